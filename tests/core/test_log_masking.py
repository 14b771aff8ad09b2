"""Resident ID numbers never reach the logs (``zhangzhou_ip/core/logging.py`` on the handlers
of ``settings.LOGGING``): not in the SQL Django logs at DEBUG, not in request warnings, not in
runserver's request lines, not in tracebacks. The masked form (first 6, last 4) may appear."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Party
from zhangzhou_ip.core.logging import MaskPersonalIds, mask_personal_ids

WEB_ID, WEB_MASKED = "35060219850612453X", "350602********453X"
API_ID, API_MASKED = "440304197701017717", "440304********7717"


@pytest.fixture
def handler_output():
    """What the handlers configured in settings.LOGGING write (their streams swapped for a
    buffer): the root's console and runserver's request log."""
    handlers = [
        h
        for name in ("", "django.server")
        for h in logging.getLogger(name).handlers
        if any(isinstance(f, MaskPersonalIds) for f in h.filters)
    ]
    assert len(handlers) == 2, "settings.LOGGING no longer filters both handlers"
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    yield buffer
    for h, stream in zip(handlers, previous, strict=True):
        h.setStream(stream)


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    caplog.set_level(logging.DEBUG, logger="django.request")
    return caplog


def _everything(caplog, buffer) -> str:
    records = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {getattr(r, 'sql', '')} {getattr(r, 'params', '')}"
        for r in caplog.records
    )
    return "\n".join([caplog.text, records, buffer.getvalue()])


# --- the flows -----------------------------------------------------------------------------


def test_adding_a_person_party_on_the_web_logs_no_id_number(
    client, case_world, debug_logs, handler_output
):
    draft = case_world["cases"]["draft"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(case_world["users"]["clerk"])
    with CaptureQueriesContext(connection):  # Django logs SQL only with a debug cursor
        response = client.post(
            reverse("cases:case-parties", args=[draft.pk]),
            {
                "action": "add_party",
                "party-role": "third_party",
                "party-kind": "person",
                "party-name": "孙八",
                "party-id_number": WEB_ID.lower(),
            },
        )
    assert response.status_code == 302
    assert Party.objects.get(name="孙八").id_number == WEB_ID
    output = _everything(debug_logs, handler_output)
    assert "INSERT INTO" in output  # the SQL was logged …
    assert WEB_MASKED in output  # … with the number masked
    assert WEB_ID not in output and WEB_ID.lower() not in output


def test_adding_a_person_party_through_the_api_logs_no_id_number(
    case_world, debug_logs, handler_output
):
    api = APIClient()
    api.force_authenticate(case_world["users"]["clerk"])
    data = {
        "case": case_world["cases"]["draft"].pk,
        "role": "respondent",
        "kind": "person",
        "name": "周十",
        "id_number": API_ID,
    }
    with CaptureQueriesContext(connection):
        response = api.post("/api/v1/case-parties/", data, format="json")
        assert response.status_code == 201, response.json()
        # The same number again, refused: the 400 is logged as well.
        response = api.post(
            "/api/v1/case-parties/", {**data, "id_number": API_ID[:-1] + "0"}, format="json"
        )
        assert response.status_code == 400
    output = _everything(debug_logs, handler_output)
    assert "Bad Request" in output and API_MASKED in output
    assert API_ID not in output and API_ID[:-1] + "0" not in output


def test_an_id_number_in_the_query_string_or_path_of_a_404_or_400_is_not_logged_raw(
    client, case_world, debug_logs, handler_output
):
    client.force_login(case_world["users"]["clerk"])
    assert client.get(f"/no-such-page/{API_ID}/", {"id_number": API_ID}).status_code == 404
    api = APIClient()
    api.force_authenticate(case_world["users"]["clerk"])
    response = api.get("/api/v1/case-parties/", {"id_number": API_ID, "nonsense": API_ID})
    assert response.status_code == 400
    # runserver's request line carries the query string (django.core.servers.basehttp).
    logging.getLogger("django.server").warning(
        '"%s" %s %s',
        f"GET /cases/?id_number={API_ID} HTTP/1.1",
        "404",
        "179",
        extra={"request": None, "server_time": "02/Dec/2026 10:00:00", "status_code": 404},
    )
    output = _everything(debug_logs, handler_output)
    assert f"Not Found: /no-such-page/{API_MASKED}/" in output
    assert "Bad Request: /api/v1/case-parties/" in output
    assert f"GET /cases/?id_number={API_MASKED} HTTP/1.1" in handler_output.getvalue()
    assert API_ID not in output


# --- the filter --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id=350602199001011234&x=1", "id=350602********1234&x=1"),
        ("'11010519491231002X'", "'110105********002X'"),
        ("身份证号11010519491231002x号", "身份证号110105********002x号"),
        ("３５０６０２１９９００１０１１２３４", "３５０６０２********１２３４"),
        # A longer run of digits is some other number; shorter ones too.
        ("3506021990010112345", "3506021990010112345"),
        ("35060219900101123", "35060219900101123"),
        ("", ""),
    ],
)
def test_mask_personal_ids(text, expected):
    assert mask_personal_ids(text) == expected


def _record(msg, *args, **extra) -> logging.LogRecord:
    record = logging.LogRecord("test", logging.ERROR, __file__, 1, msg, args, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_the_filter_masks_arguments_extras_and_tracebacks():
    try:
        raise ValueError("duplicate 350602199001011234")
    except ValueError:
        import sys

        record = _record(
            "row %s (%d%%)", ("350602199001011234",), 5, sql="x = '350602199001011234'"
        )
        record.exc_info = sys.exc_info()
    record.params = ["350602199001011234", 7]
    assert MaskPersonalIds().filter(record) is True
    formatted = logging.Formatter("%(message)s %(sql)s %(params)s").format(record)
    assert "350602199001011234" not in formatted
    assert "row ('350602********1234',) (5%)" in formatted
    assert "x = '350602********1234'" in formatted and "['350602********1234', 7]" in formatted
    assert "ValueError: duplicate 350602********1234" in formatted


def test_a_broken_record_is_passed_on_unchanged():
    record = _record("%s and %s", "only one")
    assert MaskPersonalIds().filter(record) is True
    assert record.msg == "%s and %s" and record.args == ("only one",)
