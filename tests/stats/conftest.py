"""The statistics tests build cases and records with the helpers and fixtures of the cases and
evidence tests, and open the list behind each figure to compare counts."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import _holiday_calendar_ahead, case_world  # noqa: F401
from tests.evidence.conftest import deposit  # noqa: F401

COUNT_BADGE = re.compile(r'class="badge[^"]*\blist-count\b[^"]*">\s*([\d,]+)\s*<')


def list_count(client, url: str) -> int:
    """The row count a list page shows in its heading badge (0 for an empty list)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    match = COUNT_BADGE.search(response.content.decode())
    return int(match.group(1).replace(",", "")) if match else 0


def breakdown_rows(page: str, key: str) -> int:
    match = re.search(rf'id="{key}" data-rows="(\d+)"', page)
    assert match, key
    return int(match.group(1))


def check_links(client, stats, page: str) -> list[str]:
    """Every count figure's link opens a list (or a breakdown table on the page) with as many
    rows as the figure; returns the keys checked."""
    checked = []
    for figure in stats.figures:
        if figure.unit or figure.url is None:
            continue
        if figure.url.startswith("#"):
            assert breakdown_rows(page, figure.url[1:]) == figure.value, figure.key
        else:
            assert list_count(client, figure.url) == figure.value, (figure.key, figure.url)
        checked.append(figure.key)
    for breakdown in stats.breakdowns.values():
        for row in breakdown.rows:
            assert list_count(client, row.url) == row.value, (breakdown.key, row.url)
    return checked


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user)
        return client

    return login
