"""The in-app notification centre: rows and e-mail after commit, idempotent keys, own
notifications only (pages and API), marking read, the navbar bell, case events."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from tests.cases import conftest as case_fixtures
from zhangzhou_ip.core.models import Notification
from zhangzhou_ip.core.notifications import mark_read, notify, unread_count

# The case world and its holiday calendar (deadlines) from the cases tests.
case_world = case_fixtures.case_world
_holiday_calendar_ahead = case_fixtures._holiday_calendar_ahead


@pytest.fixture
def alice(world):
    user = world["users"]["mediator"]
    user.email = "mediator@example.cn"
    user.save()
    return user


@pytest.fixture
def bob(world):
    return world["users"]["clerk"]


def _client(user, language="en"):
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


# --- notify ------------------------------------------------------------------------------------


def test_notify_creates_rows_now_and_sends_email_after_commit(
    alice, bob, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify([alice, bob], verb="case.accepted", title="Case accepted", url="/cases/1/")
        assert mail.outbox == []  # nothing before the commit
        assert Notification.objects.filter(verb="case.accepted").count() == 2
    assert len(callbacks) == 1
    assert {n.recipient for n in created} == {alice, bob}
    # bob has no address: only alice gets an e-mail
    assert [m.to for m in mail.outbox] == [["mediator@example.cn"]]
    assert "Case accepted" in mail.outbox[0].subject
    assert "/cases/1/" in mail.outbox[0].body


def test_notify_sends_no_email_when_the_transaction_rolls_back(
    alice, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([alice], verb="case.accepted", title="Case accepted")
    assert len(callbacks) == 1  # queued for the commit; a rollback discards it
    assert mail.outbox == []


def test_notify_with_the_same_key_twice_creates_and_sends_once(
    alice, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = notify([alice], verb="confirmation.window_closing", title="T", key="r:1")
        second = notify([alice, alice], verb="confirmation.window_closing", title="T", key="r:1")
    assert len(first) == 1
    assert second == []
    assert Notification.objects.filter(recipient=alice, key="r:1").count() == 1
    assert len(mail.outbox) == 1


def test_the_key_constraint_holds_when_the_pre_check_is_raced(alice, bob):
    """A concurrent run created alice's row between our check and our insert."""
    from zhangzhou_ip.core import notifications

    Notification.objects.create(recipient=alice, verb="x", title="T", key="r:2")
    rows = [
        Notification(recipient=alice, verb="x", title="T", key="r:2"),
        Notification(recipient=bob, verb="x", title="T", key="r:2"),
    ]
    created = notifications._insert(rows)
    assert [n.recipient for n in created] == [bob]
    assert Notification.objects.filter(key="r:2").count() == 2


def test_notify_never_raises_on_mail_failure(alice, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "tests.core.test_notifications.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([alice], verb="case.accepted", title="T")
    assert len(created) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP is down")


def test_notify_refuses_absolute_links(alice):
    with pytest.raises(ValueError):
        notify([alice], verb="x", title="T", url="https://evil.example/")


def test_unread_count_and_mark_read_touch_only_own_notifications(alice, bob):
    mine = notify([alice, alice], verb="a", title="A", email=False) + notify(
        [alice], verb="b", title="B", email=False
    )
    theirs = notify([bob], verb="a", title="A", email=False)[0]
    assert unread_count(alice) == 2
    assert mark_read(alice, [mine[0].pk, theirs.pk]) == 1
    assert unread_count(alice) == 1
    assert unread_count(bob) == 1
    assert mark_read(alice) == 1
    assert unread_count(alice) == 0
    assert unread_count(bob) == 1


# --- pages -------------------------------------------------------------------------------------


def test_the_page_lists_only_own_notifications_unread_highlighted(alice, bob):
    notify([alice], verb="a", title="For alice unread", email=False)
    read = notify([alice], verb="a", title="For alice read", email=False)[0]
    mark_read(alice, [read.pk])
    notify([bob], verb="a", title="For bob", email=False)
    response = _client(alice).get(reverse("notifications:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "For alice unread" in html and "For alice read" in html
    assert "For bob" not in html
    assert html.count('data-unread="true"') == 1
    unread = _client(alice).get(reverse("notifications:list"), {"unread": "true"})
    assert "For alice unread" in unread.content.decode()
    assert "For alice read" not in unread.content.decode()


def test_the_page_shows_an_empty_state(alice):
    response = _client(alice).get(reverse("notifications:list"))
    assert "No notifications yet." in response.content.decode()


def test_the_page_needs_a_login(db):
    from django.test import Client

    response = Client().get(reverse("notifications:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_opening_a_notification_marks_it_read_and_follows_its_link(alice, bob):
    mine = notify([alice], verb="a", title="A", url="/cases/7/", email=False)[0]
    theirs = notify([bob], verb="a", title="B", url="/cases/8/", email=False)[0]
    client = _client(alice)
    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 405
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/cases/7/"
    mine.refresh_from_db()
    assert mine.is_read
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_mark_all_read_marks_only_own(alice, bob):
    notify([alice], verb="a", title="A", email=False)
    notify([alice], verb="b", title="B", email=False)
    notify([bob], verb="a", title="A", email=False)
    response = _client(alice).post(reverse("notifications:read-all"))
    assert response.status_code == 302
    assert unread_count(alice) == 0
    assert unread_count(bob) == 1


def test_the_navbar_bell_shows_the_unread_count(alice):
    for i in range(3):
        notify([alice], verb="a", title=f"N{i}", email=False)
    client = _client(alice)
    html = client.get(reverse("notifications:list")).content.decode()
    assert 'aria-label="Notifications (3 unread)"' in html
    assert f'href="{reverse("notifications:list")}"' in html
    mark_read(alice)
    html = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications"' in html
    assert "unread)" not in html


def test_the_unread_count_is_one_query_per_page(alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notify([alice], verb="a", title="N", email=False)
    client = _client(alice)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("cases:case-list"))
    counts = [q["sql"] for q in queries if '"core_notification"' in q["sql"]]
    assert len(counts) == 1


# --- API ---------------------------------------------------------------------------------------


def test_the_api_lists_and_retrieves_only_own_notifications(alice, bob):
    mine = notify([alice], verb="a", title="Mine", email=False)[0]
    theirs = notify([bob], verb="a", title="Theirs", email=False)[0]
    api = _api(alice)
    listed = api.get("/api/v1/notifications/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert api.get(f"/api/v1/notifications/{mine.pk}/").json()["title"] == "Mine"
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404


def test_the_api_filters_unread_and_refuses_unknown_parameters(alice):
    read = notify([alice], verb="a", title="Read", email=False)[0]
    notify([alice], verb="a", title="Unread", email=False)
    mark_read(alice, [read.pk])
    api = _api(alice)
    rows = api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert [row["title"] for row in rows] == ["Unread"]
    assert api.get("/api/v1/notifications/", {"unred": "true"}).status_code == 400


def test_the_api_marks_one_and_all_read(alice, bob):
    first = notify([alice], verb="a", title="A", email=False)[0]
    notify([alice], verb="b", title="B", email=False)
    notify([bob], verb="a", title="A", email=False)
    api = _api(alice)
    response = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert unread_count(alice) == 0
    assert unread_count(bob) == 1


def test_the_api_needs_authentication(db):
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


# --- admin -------------------------------------------------------------------------------------


def test_the_admin_is_read_only_and_for_superusers(world, rf):
    admin = admin_site._registry[Notification]
    request = rf.get("/")
    request.user = world["users"]["superuser"]
    assert admin.has_view_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_add_permission(request)
    assert not admin.has_delete_permission(request)
    request.user = world["users"]["org_admin"]
    assert not admin.has_view_permission(request)
    assert not admin.has_module_permission(request)


# --- case events -------------------------------------------------------------------------------


def test_a_case_event_notifies_the_creator_in_app_and_by_email(
    case_world, django_capture_on_commit_callbacks
):
    users = case_world["users"]
    users["clerk"].email = "clerk@example.cn"
    users["clerk"].save()
    case = case_world["cases"]["submitted"]
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept(actor=users["mediator"], case=case)
        assert not Notification.objects.exists()  # nothing before the commit
    notification = Notification.objects.get()
    assert notification.recipient == users["clerk"]  # the creator; the actor is not told
    assert notification.verb == "case.accepted"
    assert notification.title.startswith(case.number)
    assert notification.url == case.get_absolute_url()
    assert [m.to for m in mail.outbox] == [["clerk@example.cn"]]
