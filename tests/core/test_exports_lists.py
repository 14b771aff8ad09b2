"""``core.views.ExportMixin`` — the ``?format=csv|xlsx`` export every list page has — on its
own terms (cell values, the request's language kept while a CSV streams) and on the
notification list (only the user's own notifications, the list's filter, absolute links)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from alliance.models import Organization
from tests.export_helpers import (
    bad_request_text,
    column,
    csv_rows,
    records,
    use_language,
    xlsx_rows,
    xlsx_sheet,
)
from zhangzhou_ip.core.models import Notification
from zhangzhou_ip.core.notifications import mark_read, notify
from zhangzhou_ip.core.views import export_value, resolve

NOTIFICATIONS = reverse("notifications:list")
ORGS = reverse("alliance:organization-list")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# --- cell values -------------------------------------------------------------------------------


def test_cell_values():
    assert export_value(True) == "Yes" and export_value(False) == "No"  # English in unit tests
    with translation.override("zh-hans"):
        assert export_value(True) == "是"
    noon_utc = dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC)
    assert export_value(noon_utc) == dt.datetime(2026, 3, 1, 12, 0)  # Beijing wall clock
    assert export_value(dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)
    assert export_value(Decimal("12.50")) == Decimal("12.50")
    assert export_value(7) == 7 and export_value(None) is None
    assert export_value(gettext_lazy("Region")) == "Region"
    assert export_value(["a"]) == "['a']"


@pytest.mark.django_db
def test_resolve_follows_paths_calls_display_methods_and_stops_at_none(world):
    ent_a = world["orgs"]["ent_a"]
    assert resolve(ent_a, "region.parent.name") == "漳州市"
    assert resolve(ent_a, "get_kind_display") == "Enterprise"
    assert resolve(ent_a, "parent.parent.parent.parent.name") is None
    assert resolve(ent_a, lambda org: org.name[:2]) == "漳州"


# --- the request's language ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_streamed_csv_keeps_the_request_language(client, world):
    """The CSV is written while the server reads the stream — after the view has returned,
    maybe under another active language; the rows still come in the request's language."""
    client.force_login(world["users"]["mediator"])
    use_language(client, None)  # the default: zh-hans
    response = client.get(ORGS, {"format": "csv", "kind": "enterprise", "sort": "name"})
    with translation.override("en"):
        rows = csv_rows(response)
    assert rows[0][:3] == ["名称", "简称", "类型"]
    assert set(column(rows, "类型")) == {"企业"}
    assert set(column(rows, "重点企业")) == {"是", "否"}


@pytest.mark.django_db
def test_the_same_export_in_english(client, world):
    client.force_login(world["users"]["mediator"])
    use_language(client, "en")
    rows = xlsx_rows(client.get(ORGS, {"format": "xlsx", "kind": "court", "q": "芗城"}))
    assert rows[0][:3] == ("Name", "Short name", "Kind")
    assert [row[2] for row in rows[1:]] == ["Court"]
    assert Organization.objects.filter(kind="court", name__contains="芗城").count() == 1


# --- notifications ------------------------------------------------------------------------------


@pytest.fixture
def inbox(world):
    users = world["users"]
    notify([users["mediator"]], verb="case.accepted", title="案件已受理", url="/cases/1/")
    notify([users["mediator"]], verb="case.reminder", title="=SUM(A1:A9)", body="请尽快处理")
    notify([users["clerk"]], verb="case.accepted", title="别人的通知", url="/cases/2/")
    first = Notification.objects.get(title="案件已受理")
    mark_read(users["mediator"], [first.pk])
    return Notification.objects.filter(recipient=users["mediator"])


@pytest.mark.django_db
def test_notification_export_has_only_the_users_notifications(client, world, inbox):
    client.force_login(world["users"]["mediator"])
    use_language(client, "en")
    rows = csv_rows(client.get(NOTIFICATIONS, {"format": "csv"}), "notifications")
    assert rows[0] == ["Time", "Title", "Text", "Link", "Read at"]
    latest, first = records(rows)  # newest first, like the list
    assert latest["Title"] == "'=SUM(A1:A9)" and latest["Text"] == "请尽快处理"
    assert latest["Link"] == "" and latest["Read at"] == ""
    assert first["Title"] == "案件已受理"
    assert first["Link"] == "http://testserver/cases/1/"
    read_at = inbox.get(title="案件已受理").read_at.astimezone(SHANGHAI)
    assert first["Read at"] == read_at.strftime("%Y-%m-%d %H:%M:%S")
    assert "别人的通知" not in {r["Title"] for r in records(rows)}
    unread = csv_rows(client.get(NOTIFICATIONS, {"format": "csv", "unread": "true"}))
    assert column(unread, "Title") == ["'=SUM(A1:A9)"]
    page = client.get(NOTIFICATIONS)
    assert '<span class="badge text-bg-light align-middle list-count">2</span>' in (
        page.content.decode()
    )
    assert 'href="?format=xlsx"' in page.content.decode()


@pytest.mark.django_db
def test_notification_xlsx_in_chinese_with_local_times(client, world, inbox):
    client.force_login(world["users"]["mediator"])
    use_language(client, None)
    sheet = xlsx_sheet(client.get(NOTIFICATIONS, {"format": "xlsx"}), "notifications")
    header, _latest, first = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("时间", "名称", "文本")
    assert sheet["B2"].value == "=SUM(A1:A9)" and sheet["B2"].data_type == "s"
    created = inbox.get(title="案件已受理").created_at
    local = timezone.localtime(created).replace(tzinfo=None)
    assert abs(first[0] - local) < dt.timedelta(seconds=1)  # spreadsheets keep milliseconds
    assert sheet.title == "通知"


@pytest.mark.django_db
def test_notification_export_refuses_an_unknown_format(client, world, inbox):
    client.force_login(world["users"]["mediator"])
    use_language(client, "en")
    text = bad_request_text(client.get(NOTIFICATIONS, {"format": "json"}))
    assert text == "Unknown export format. Use format=csv or format=xlsx."
    assert client.get(NOTIFICATIONS, {"format": "csv"}).status_code == 200
    client.logout()
    assert client.get(NOTIFICATIONS, {"format": "csv"}).status_code == 302
