"""Large list exports in the background: above ``EXPORT_INLINE_MAX_ROWS`` rows the request
records a prepared download and a task builds the file by running the list again as its
owner — same selector, FilterSet, sort, columns, language and Beijing time — so the file is
what the owner may see when it is built, for a partner city too."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from alliance.models import Organization
from cases import services
from zhangzhou_ip.core import downloads
from zhangzhou_ip.core.models import Notification, PreparedDownload
from zhangzhou_ip.core.tasks import build_download

from .conftest import file_bytes

pytestmark = pytest.mark.django_db

Status = PreparedDownload.Status
ORGS = "/directory/organizations/"
ORG_QUERY = {"kind": ["court", "bureau"], "sort": "-name"}


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_small_export_is_built_in_the_request_as_before(client_of):
    response = client_of("superuser").get(ORGS, {**ORG_QUERY, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="organisations-')
    assert len(_rows(file_bytes(response))) > 2
    assert not PreparedDownload.objects.exists()


def test_a_large_export_lands_in_my_downloads_with_the_same_content(client_of, settings):
    client = client_of("superuser")
    inline = file_bytes(client.get(ORGS, {**ORG_QUERY, "format": "csv"}))
    rows = len(_rows(inline)) - 1
    settings.EXPORT_INLINE_MAX_ROWS = rows - 1

    response = client.get(ORGS, {**ORG_QUERY, "format": "csv"})

    download = PreparedDownload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/downloads/{download.pk}/file/"
    assert download.status == Status.DONE and download.kind == "export"
    assert download.row_count == rows and download.file_format == "csv"
    assert download.owner.username == "superuser" and download.task_id
    assert download.source_url.startswith(ORGS + "?") and "format=csv" in download.source_url
    fetched = client.get(response["Location"])
    assert fetched["Content-Disposition"].startswith('attachment; filename="organisations-')
    assert file_bytes(fetched) == inline  # byte for byte what the request would have built
    page = client.get("/downloads/").content.decode()
    assert f'data-download="{download.pk}" data-status="done"' in page


def test_at_the_limit_the_export_stays_inline(client_of, settings):
    client = client_of("superuser")
    rows = len(_rows(file_bytes(client.get(ORGS, {**ORG_QUERY, "format": "csv"})))) - 1
    settings.EXPORT_INLINE_MAX_ROWS = rows
    assert client.get(ORGS, {**ORG_QUERY, "format": "csv"}).status_code == 200
    assert not PreparedDownload.objects.exists()


def test_xlsx_in_the_background(client_of, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    response = client_of("superuser", "en").get(ORGS, {"kind": "court", "format": "xlsx"})
    download = PreparedDownload.objects.get()
    sheet = load_workbook(io.BytesIO(file_bytes(response.client.get(response["Location"]))))
    rows = list(sheet.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "Short name", "Kind")
    assert len(rows) - 1 == download.row_count == Organization.objects.filter(kind="court").count()
    assert download.content_type.startswith("application/vnd.openxmlformats")


def test_queued_on_the_database_backend_then_built_by_the_worker(
    client_of, settings, database_backend, run_worker
):
    client = client_of("superuser")
    inline = file_bytes(client.get(ORGS, {**ORG_QUERY, "format": "csv"}))
    settings.EXPORT_INLINE_MAX_ROWS = 0

    response = client.get(ORGS, {**ORG_QUERY, "format": "csv"}, follow=True)

    download = PreparedDownload.objects.get()
    assert response.redirect_chain == [("/downloads/", 302)]
    assert download.status == Status.QUEUED and download.file.name == ""
    page = response.content.decode()
    assert f'data-download="{download.pk}" data-status="queued"' in page
    assert 'hx-trigger="every 5s"' in page  # the list refreshes itself while one is pending
    assert client.get(f"/downloads/{download.pk}/file/").status_code == 404

    # The worker has no request language or time zone of its own that could leak in.
    with translation.override("en"), timezone.override(dt.UTC):
        assert run_worker() == 1
    download.refresh_from_db()
    assert download.status == Status.DONE and download.started_at and download.finished_at
    assert file_bytes(client.get(f"/downloads/{download.pk}/file/")) == inline


def test_the_file_is_in_the_owners_language_and_beijing_time(
    case_world, client_of, settings, database_backend, run_worker
):
    mediator = case_world["users"]["mediator"]
    note = Notification.objects.create(recipient=mediator, verb="x", title="提醒", url="/cases/")
    # 16:30 UTC is 00:30 the next day in Beijing
    Notification.objects.filter(pk=note.pk).update(
        created_at=dt.datetime(2025, 1, 1, 16, 30, tzinfo=dt.UTC)
    )
    client = client_of("mediator")  # no language cookie: Chinese
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.get("/notifications/", {"format": "csv"})

    with translation.override("en"), timezone.override(dt.UTC):
        run_worker()

    download = PreparedDownload.objects.get()
    rows = _rows(file_bytes(client.get(f"/downloads/{download.pk}/file/")))
    assert download.language == "zh-hans" and download.time_zone == "Asia/Shanghai"
    assert rows[0][0] == "时间"
    assert rows[1][:2] == ["2025-01-02 00:30:00", "提醒"]
    assert rows[1][3] == "http://testserver/cases/"  # absolute links on the saved site


# --- visibility: the file holds what its owner may see -------------------------------------


@pytest.fixture
def shared(case_world):
    """The committee's submitted case shared with the partner bureau (view)."""
    users, orgs = case_world["users"], case_world["orgs"]
    return services.share_grant(
        actor=users["org_admin"],
        case=case_world["cases"]["submitted"],
        organization=orgs["partner"],
        level="view",
        reason="协查",
    )


def _titles(data: bytes) -> set[str]:
    rows = _rows(data)
    title = rows[0].index("案件名称") if "案件名称" in rows[0] else 1
    return {row[title] for row in rows[1:]}


def test_a_partners_background_export_holds_only_the_shared_cases(
    shared, client_of, settings, database_backend, run_worker
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = client_of("partner")
    client.get("/cases/shared/", {"format": "csv"})

    run_worker()

    download = PreparedDownload.objects.get()
    data = file_bytes(client.get(f"/downloads/{download.pk}/file/"))
    assert _titles(data) == {"已提交案件"}
    assert download.row_count == 1
    for other in ("调解中案件", "草稿案件", "沈阳案件"):
        assert other.encode() not in data


def test_a_share_revoked_before_the_worker_runs_is_not_in_the_file(
    shared, case_world, client_of, settings, database_backend, run_worker
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = client_of("partner")
    client.get("/cases/shared/", {"format": "csv"})
    services.share_revoke(actor=case_world["users"]["org_admin"], share=shared, reason="结束")

    run_worker()

    download = PreparedDownload.objects.get()
    data = file_bytes(client.get(f"/downloads/{download.pk}/file/"))
    assert download.row_count == 0 and _titles(data) == set()
    assert "已提交案件".encode() not in data


def test_a_mediators_background_export_is_their_view_of_the_list(client_of, settings):
    client = client_of("mediator")
    inline = file_bytes(client.get("/cases/mine/", {"format": "csv"}))
    settings.EXPORT_INLINE_MAX_ROWS = 0
    response = client.get("/cases/mine/", {"format": "csv"})
    background = file_bytes(client.get(response["Location"]))
    assert _titles(background) == _titles(inline) == {"调解中案件"}  # the case assigned to them


# --- refusals at build time --------------------------------------------------------------------


def _saved(user, source_url: str, **fields) -> PreparedDownload:
    values = {
        "kind": "export",
        "title": "t",
        "file_format": "csv",
        "site": "http://testserver",
        "language": "en",
        "time_zone": "Asia/Shanghai",
        "expires_at": timezone.now() + dt.timedelta(hours=1),
    }
    return PreparedDownload.objects.create(owner=user, source_url=source_url, **values | fields)


def test_filters_invalid_when_built_fail_the_download_with_the_pages_message(case_world):
    download = _saved(case_world["users"]["superuser"], f"{ORGS}?kind=castle&format=csv")

    result = build_download.enqueue(download.pk)

    download.refresh_from_db()
    assert result.return_value["status"] == "failed"
    assert download.status == Status.FAILED and not download.file
    assert "The filters are not valid" in download.error and "kind" in download.error


def test_a_page_the_owner_may_no_longer_open_fails_the_download(case_world):
    enterprise = case_world["users"]["enterprise"]  # no statistics for enterprises
    download = _saved(enterprise, "/stats/report.pdf?year=2024", kind="report")
    downloads.build(download.pk)
    download.refresh_from_db()
    assert download.status == Status.FAILED
    assert download.error == "The statistics are for alliance members."


def test_an_inactive_owner_gets_no_file(case_world):
    user = case_world["users"]["superuser"]
    download = _saved(user, f"{ORGS}?format=csv")
    user.is_active = False
    user.save()
    downloads.build(download.pk)
    download.refresh_from_db()
    assert download.status == Status.FAILED and not download.file
    assert "not active" in download.error


def test_building_twice_builds_once(case_world):
    download = _saved(case_world["users"]["superuser"], f"{ORGS}?kind=court&format=csv")
    downloads.build(download.pk)
    download.refresh_from_db()
    name, finished = download.file.name, download.finished_at

    again = downloads.build(download.pk)

    download.refresh_from_db()
    assert again == {"download": download.pk, "status": "done"}
    assert (download.file.name, download.finished_at) == (name, finished)
    assert downloads.build(download.pk + 1000)["status"] == "gone"


def test_an_unexpected_error_fails_the_download_and_the_task(case_world, monkeypatch):
    download = _saved(case_world["users"]["superuser"], f"{ORGS}?format=csv")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(downloads, "_write", broken)
    result = build_download.enqueue(download.pk)

    download.refresh_from_db()
    assert result.status == "FAILED"
    assert download.status == Status.FAILED
    assert download.error == "An error occurred while preparing the file."  # no internals
