"""Reading exports back in tests: the CSV through the csv module (after checking the
byte-order mark Excel needs), the XLSX through openpyxl."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

BOM = "\ufeff".encode()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def use_language(client, language: str | None):
    """``None``: no language cookie, so the site default (zh-hans) applies."""
    if language is None:
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    else:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def csv_rows(response, stem: str | None = None) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    if stem:
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == f'attachment; filename="{stem}-{today}.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_sheet(response, stem: str | None = None):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == XLSX_TYPE
    if stem:
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == f'attachment; filename="{stem}-{today}.xlsx"'
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def xlsx_rows(response, stem: str | None = None) -> list[tuple]:
    return list(xlsx_sheet(response, stem).iter_rows(values_only=True))


def records(rows) -> list[dict]:
    """Data rows as dicts keyed by the header row."""
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def column(rows, header: str) -> list:
    return [record[header] for record in records(rows)]


def bad_request_text(response) -> str:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()
