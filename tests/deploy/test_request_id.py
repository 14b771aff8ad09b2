"""The request id (zhangzhou_ip/core/request_id.py): taken from the proxy when it is a sane
token, made otherwise, sent back, and on every log record written while the request runs."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from zhangzhou_ip.core.request_id import (
    RequestIdFilter,
    RequestIdMiddleware,
    get_request_id,
    request_id_from,
)

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_an_answer_without_a_proxy_id_gets_a_new_one_each_time():
    client = Client()
    first, second = client.get("/healthz"), client.get("/healthz")
    assert HEX32.fullmatch(first["X-Request-ID"])
    assert HEX32.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "sent", ["0f1e2d3c4b5a69788796a5b4c3d2e1f0", "req-2026.12.02:42", "a" * 128]
)
def test_the_proxys_sane_id_is_kept(sent):
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "two words",
        'quote"injected',
        "line\nbreak",
        "a" * 129,
        "中文",
        '{"level": "ERROR"}',
        "35060219850612453X",  # a resident ID number is never a request id …
        "req-11010519491231002X-1",  # … nor part of one: logs leave request ids unmasked
    ],
)
def test_anything_else_is_replaced(sent):
    assert request_id_from(sent) != sent
    assert HEX32.fullmatch(request_id_from(sent))


def test_a_drawn_id_that_reads_as_an_id_number_is_drawn_again(monkeypatch):
    """A uuid4 hex holds a run of 18 digits about once in 1,600 draws."""
    draws = iter(
        [
            uuid.UUID("a350602198506124530bcdefabcdefab"),
            uuid.UUID("abcdef0123abcdef0123abcdef012345"),
        ]
    )
    monkeypatch.setattr("zhangzhou_ip.core.request_id.uuid.uuid4", lambda: next(draws))
    assert request_id_from(None) == "abcdef0123abcdef0123abcdef012345"


def test_redirects_carry_it_too():
    """An anonymous request for a page is redirected to the login page, before any view."""
    response = Client().get("/cases/", HTTP_X_REQUEST_ID="abc-123")
    assert response.status_code == 302
    assert response["X-Request-ID"] == "abc-123"


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.django_db  # closing the response sends request_finished: old connections close
def test_every_record_during_the_request_carries_it_and_none_after():
    handler = ListHandler()
    log = logging.getLogger("tests.deploy.request_id")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    def view(request: HttpRequest) -> HttpResponse:
        log.info("inside the view")
        return HttpResponse("ok")

    try:
        request = RequestFactory().get("/x", HTTP_X_REQUEST_ID="proxy-id-1")
        response = RequestIdMiddleware(view)(request)
        log.info("after the middleware, before the response is closed")
        response.close()  # what the WSGI server does once the answer is sent
        log.info("after the request")
    finally:
        log.removeHandler(handler)
    assert response["X-Request-ID"] == "proxy-id-1" == request.request_id
    inside, logged_by_django, after = handler.records
    assert inside.request_id == "proxy-id-1"
    assert logged_by_django.request_id == "proxy-id-1"  # e.g. django.request's "Not Found"
    assert after.request_id is None
    assert get_request_id() is None


def test_an_id_already_on_the_record_is_kept():
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "GET /", (), None)
    record.request_id = "from-the-access-line"
    RequestIdFilter().filter(record)
    assert record.request_id == "from-the-access-line"


def test_no_id_is_left_behind_after_a_request(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="first")
    assert response["X-Request-ID"] == "first"
    assert get_request_id() is None
