"""The annual statistics report PDF as a task: with the immediate backend the user is sent
straight to the file; with the database backend they find it queued in "My downloads" and
the worker builds it, as the user, in the user's language."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from zhangzhou_ip.core.models import PreparedDownload

from .conftest import file_bytes

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_report_is_built_at_once_and_the_user_sent_to_it(client_of):
    client = client_of("org_admin", "en")

    response = client.get("/stats/report.pdf", {"year": "2024"})

    download = PreparedDownload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/downloads/{download.pk}/file/"
    assert (download.kind, download.status, download.file_format) == ("report", "done", "pdf")
    assert download.title == "Statistical report 2024" and download.row_count is None
    fetched = client.get(response["Location"])
    assert fetched["Content-Type"] == "application/pdf"
    assert fetched["Content-Disposition"] == (
        'attachment; filename="annual-report-2024-01-01-2024-12-31.pdf"'
    )
    text = " ".join(_text(file_bytes(fetched)).split())
    assert "statistical report 2024" in text and "by org_admin" in text  # made as the user


def test_queued_with_the_database_backend_then_built_by_the_worker(
    client_of, database_backend, run_worker
):
    client = client_of("mediator")  # Chinese

    response = client.get("/stats/report.pdf", {"year": "2024"}, follow=True)

    download = PreparedDownload.objects.get()
    assert response.redirect_chain == [("/downloads/", 302)]
    assert download.status == "queued"
    page = response.content.decode()
    assert f'data-download="{download.pk}" data-status="queued"' in page
    assert run_worker() == 1
    download.refresh_from_db()
    assert download.status == "done" and download.size > 1000
    text = "".join(_text(file_bytes(client.get(f"/downloads/{download.pk}/file/"))).split())
    assert "统计报告" in text and "mediator" in text


def test_no_report_and_no_download_for_those_without_statistics(client_of):
    assert client_of("enterprise").get("/stats/report.pdf", {"year": "2024"}).status_code == 403
    assert not PreparedDownload.objects.exists()


def test_a_bad_scope_is_answered_at_once_not_queued(client_of):
    response = client_of("org_admin", "en").get("/stats/report.pdf", {"year": "abc"})
    assert response.status_code == 400 and "whole number" in response.content.decode()
    assert not PreparedDownload.objects.exists()
