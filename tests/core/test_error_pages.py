"""Friendly error pages in both languages; JSON for every error under /api/ (issue 8 part 10)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(world):
    def make(language=None, raise_errors=True):
        client = Client(raise_request_exception=raise_errors)
        client.force_login(world["users"]["mediator"])
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make


def test_not_found_page_in_chinese_and_in_english(signed_in):
    zh = signed_in().get("/no-such-page/")
    assert zh.status_code == 404
    assert "该页面不存在，或您无权查看。" in zh.content.decode()
    en = signed_in("en").get("/no-such-page/")
    assert en.status_code == 404
    assert "This page does not exist, or you may not see it." in en.content.decode()


def test_unknown_api_url_answers_json(signed_in):
    response = signed_in("en").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.urls("tests.core.error_urls")
def test_a_crash_is_a_friendly_page_or_json(signed_in):
    client = signed_in("en", raise_errors=False)
    page = client.get("/crash/")
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    assert "boom" not in page.content.decode()  # no internals shown
    api = client.get("/api/v1/crash/")
    assert api.status_code == 500
    assert api.json() == {
        "detail": "Something went wrong on our side; it has been logged.",
        "code": "error",
    }


@pytest.mark.urls("tests.core.error_urls")
def test_the_crash_page_in_chinese(signed_in):
    page = signed_in(raise_errors=False).get("/crash/")
    assert page.status_code == 500
    assert '<html lang="zh-Hans">' in page.content.decode()
    assert "出错了" in page.content.decode()


def test_bad_request_page(signed_in, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = signed_in("en").get("/", HTTP_HOST="bad host!")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
