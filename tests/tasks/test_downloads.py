"""My downloads: only the owner sees a prepared download or gets its file — superusers
included — on the page, the file view and the API; expired files are purged, idempotently."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from zhangzhou_ip.core.models import PreparedDownload
from zhangzhou_ip.core.tasks import purge_downloads

from .conftest import file_bytes

pytestmark = pytest.mark.django_db


def _download(owner, *, status="done", hours=24, content=b"a,b\r\n1,2\r\n", **fields):
    download = PreparedDownload.objects.create(
        owner=owner,
        kind=fields.pop("kind", "export"),
        title=fields.pop("title", "案件"),
        file_format="csv",
        source_url="/cases/mine/?status=submitted&format=csv",
        site="http://testserver",
        language="zh-hans",
        time_zone="Asia/Shanghai",
        status=status,
        file_name="my-cases-2026-01-01.csv",
        content_type="text/csv; charset=utf-8",
        expires_at=timezone.now() + dt.timedelta(hours=hours),
        **fields,
    )
    if status == "done":
        download.file.save("my-cases-2026-01-01.csv", ContentFile(content))
    return download


@pytest.fixture
def users(case_world):
    return case_world["users"]


# --- the page ----------------------------------------------------------------------------------


def test_the_page_lists_only_ones_own_downloads(users, client_of):
    mine = _download(users["mediator"], title="我的导出")
    _download(users["partner"], title="别人的导出")

    page = client_of("mediator", "en").get("/downloads/").content.decode()

    assert f'data-download="{mine.pk}"' in page and "我的导出" in page
    assert "别人的导出" not in page
    assert f'href="/downloads/{mine.pk}/file/"' in page
    assert 'href="/cases/mine/?status=submitted"' in page  # back to the list, without format


def test_a_superuser_sees_only_their_own_too(users, client_of):
    _download(users["mediator"], title="调解员的导出")
    page = client_of("superuser", "en").get("/downloads/").content.decode()
    assert "调解员的导出" not in page
    assert "No downloads yet." in page  # the empty state


def test_failed_and_queued_downloads_show_their_state_and_no_link(users, client_of):
    failed = _download(users["mediator"], status="failed", error="The filters are not valid")
    queued = _download(users["mediator"], status="queued")

    page = client_of("mediator", "en").get("/downloads/").content.decode()

    assert f'data-download="{failed.pk}" data-status="failed"' in page
    assert "The filters are not valid" in page
    assert f'data-download="{queued.pk}" data-status="queued"' in page
    assert f"/downloads/{failed.pk}/file/" not in page
    assert f"/downloads/{queued.pk}/file/" not in page
    assert 'hx-trigger="every 5s"' in page


def test_the_page_is_paginated_and_filtered_by_status(users, client_of):
    for n in range(27):
        _download(users["mediator"], title=f"导出{n:02d}")
    _download(users["mediator"], status="failed", title="失败的导出")
    client = client_of("mediator", "en")

    first = client.get("/downloads/").content.decode()
    second = client.get("/downloads/", {"page": 2}).content.decode()
    failed = client.get("/downloads/", {"status": "failed"}).content.decode()

    assert first.count("data-download=") == 25 and second.count("data-download=") == 3
    assert "Page 2 of 2" in second
    assert failed.count("data-download=") == 1 and "失败的导出" in failed
    assert 'hx-trigger="every 5s"' not in first  # nothing pending: no polling


def test_the_user_menu_links_to_my_downloads(client_of):
    page = client_of("nobody", "en").get("/").content.decode()
    assert 'href="/downloads/"' in page and "My downloads" in page


def test_anonymous_users_go_to_the_login_page(users):
    download = _download(users["mediator"])
    for url in ("/downloads/", f"/downloads/{download.pk}/file/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- the file ----------------------------------------------------------------------------------


def test_the_owner_gets_the_file_as_a_nosniff_attachment(users, client_of):
    download = _download(users["mediator"], content="名称\r\n甲\r\n".encode())

    response = client_of("mediator").get(f"/downloads/{download.pk}/file/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-cases-2026-01-01.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert file_bytes(response) == "名称\r\n甲\r\n".encode()


@pytest.mark.parametrize("name", ["superuser", "partner", "org_admin", "nobody"])
def test_nobody_else_gets_the_file(users, client_of, name):
    download = _download(users["mediator"])
    assert client_of(name).get(f"/downloads/{download.pk}/file/").status_code == 404


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_no_file_before_it_is_ready(users, client_of, status):
    download = _download(users["mediator"], status=status)
    assert client_of("mediator").get(f"/downloads/{download.pk}/file/").status_code == 404


def test_no_file_after_it_expired(users, client_of):
    download = _download(users["mediator"], hours=-1)
    assert client_of("mediator").get(f"/downloads/{download.pk}/file/").status_code == 404


def test_a_file_missing_from_storage_is_a_404(users, client_of):
    download = _download(users["mediator"])
    download.file.storage.delete(download.file.name)
    assert client_of("mediator").get(f"/downloads/{download.pk}/file/").status_code == 404


# --- the API -----------------------------------------------------------------------------------


def test_the_api_lists_and_shows_only_ones_own(users, client_of):
    mine = _download(users["mediator"], title="我的导出")
    queued = _download(users["mediator"], status="queued", title="排队中")
    other = _download(users["partner"])
    client = client_of("mediator")

    listed = client.get("/api/v1/prepared-downloads/").json()
    one = client.get(f"/api/v1/prepared-downloads/{mine.pk}/").json()

    assert [row["id"] for row in listed["results"]] == [queued.pk, mine.pk]
    assert one["download_url"] == f"http://testserver/downloads/{mine.pk}/file/"
    assert one["status"] == "done" and one["title"] == "我的导出"
    assert listed["results"][0]["download_url"] is None
    assert client.get(f"/api/v1/prepared-downloads/{other.pk}/").status_code == 404
    filtered = client.get("/api/v1/prepared-downloads/", {"status": "queued"}).json()
    assert [row["id"] for row in filtered["results"]] == [queued.pk]


def test_the_api_hides_others_downloads_from_superusers(users, client_of):
    other = _download(users["mediator"])
    client = client_of("superuser")
    assert client.get(f"/api/v1/prepared-downloads/{other.pk}/").status_code == 404
    assert client.get("/api/v1/prepared-downloads/").json()["results"] == []


def test_the_api_is_read_only_and_needs_a_login(users, client_of):
    download = _download(users["mediator"])
    client = client_of("mediator")
    assert client.delete(f"/api/v1/prepared-downloads/{download.pk}/").status_code == 405
    assert client.post("/api/v1/prepared-downloads/", {}).status_code == 405
    assert Client().get("/api/v1/prepared-downloads/").status_code == 403


# --- expiry --------------------------------------------------------------------------------------


def test_purge_deletes_expired_downloads_and_their_files_once(users):
    expired = _download(users["mediator"], hours=-1)
    failed = _download(users["mediator"], status="failed", hours=-2)
    kept = _download(users["mediator"], hours=1)
    storage, name = expired.file.storage, expired.file.name
    assert storage.exists(name)

    out = io.StringIO()
    call_command("purge_downloads", stdout=out)

    assert "2 expired downloads deleted." in out.getvalue()
    assert not storage.exists(name)
    assert list(PreparedDownload.objects.all()) == [kept]
    assert storage.exists(kept.file.name)
    assert not PreparedDownload.objects.filter(pk__in=[expired.pk, failed.pk]).exists()
    again = io.StringIO()
    call_command("purge_downloads", stdout=again)
    assert "0 expired downloads deleted." in again.getvalue()


def test_purge_as_a_task_and_a_file_already_gone(users):
    expired = _download(users["mediator"], hours=-1)
    expired.file.storage.delete(expired.file.name)  # someone cleaned the disk by hand
    assert purge_downloads.enqueue().return_value == 1
    assert purge_downloads.enqueue().return_value == 0
    assert not PreparedDownload.objects.exists()


def test_purge_enqueued_for_the_worker(users, database_backend, run_worker):
    _download(users["mediator"], hours=-1)
    call_command("purge_downloads", "--enqueue", stdout=io.StringIO())
    assert PreparedDownload.objects.count() == 1
    assert run_worker() == 1
    assert not PreparedDownload.objects.exists()


# --- admin ---------------------------------------------------------------------------------------


def test_the_admin_is_read_only_for_superusers(users, client_of):
    download = _download(users["mediator"], title="管理员可查看")
    admin = client_of("superuser", "en")
    listing = admin.get("/admin/core/prepareddownload/")
    assert listing.status_code == 200 and "管理员可查看" in listing.content.decode()
    change = admin.get(f"/admin/core/prepareddownload/{download.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert admin.get("/admin/core/prepareddownload/add/").status_code == 403
