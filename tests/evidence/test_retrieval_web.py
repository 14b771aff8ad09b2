"""Retrieval requests (取证, issue 6 part 7): the pages (scoping per role, 404/403, actions)
and the API (create, list, actions, refusals as JSON naming the field)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from evidence import retrieval
from evidence.models import RetrievalEvent, RetrievalRequest
from zhangzhou_ip.core.models import Notification

pytestmark = pytest.mark.django_db

Status = RetrievalRequest.Status
Kind = RetrievalRequest.Kind
API = "/api/v1/retrieval-requests/"


def verbs(request: RetrievalRequest) -> list[str]:
    return list(request.events.values_list("verb", flat=True))


def notified(verb: str) -> set[str]:
    return set(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def field_errors(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def web(client, people):
    """Log in as a fixture user; pages in English (messages are asserted)."""

    def login(name: str):
        client.logout()
        if name != "anonymous":
            client.force_login(people["users"][name])
        client.cookies["django_language"] = "en"
        return client

    return login


@pytest.fixture
def two(people, ask):
    """ent_a's request at its own service point and ent_b's at the other one."""
    return {
        "a": ask(subject="甲 网店截图"),
        "b": ask(
            actor="enterprise_b",
            enterprise="ent_b",
            service_point="other_point",
            subject="乙 现场拍照",
            kind=Kind.ONSITE_PHOTOS,
            target_url="",
        ),
    }


def subjects(response) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(
            r'<td><a href="/evidence/retrieval/\d+/">(.*?)</a></td>', response.content.decode()
        )
    ]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("enterprise", ["甲 网店截图"]),
        ("servicepoint", ["甲 网店截图"]),
        ("otherpoint", ["乙 现场拍照"]),
        ("enterprise_b", ["乙 现场拍照"]),
        ("superuser", ["乙 现场拍照", "甲 网店截图"]),
        ("mediator", []),
        ("nobody", []),
    ],
)
def test_the_list_shows_each_user_their_requests(web, two, user, expected):
    response = web(user).get(reverse("evidence:retrieval-list"))
    assert response.status_code == 200
    assert subjects(response) == expected
    if not expected:
        assert "empty-state" in response.content.decode()


def test_the_list_needs_a_login(web, two):
    response = web("anonymous").get(reverse("evidence:retrieval-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_filters_sorts_counts_and_paginates(web, people, ask):
    users = people["users"]
    for n in range(27):
        ask(subject=f"请求 {n:02d}")
    declined = RetrievalRequest.objects.get(subject="请求 03")
    retrieval.decline(actor=users["servicepoint"], request=declined, reason="无法取证")
    client = web("servicepoint")
    url = reverse("evidence:retrieval-list")
    page = client.get(url, {"sort": "subject"})
    assert subjects(page)[:2] == ["请求 00", "请求 01"]
    assert len(subjects(page)) == 25
    assert subjects(client.get(url, {"sort": "subject", "page": 2})) == ["请求 25", "请求 26"]
    assert subjects(client.get(url, {"status": "declined"})) == ["请求 03"]
    assert subjects(client.get(url, {"q": "请求 1", "sort": "-subject"}))[0] == "请求 19"
    html = page.content.decode()
    counts = dict(
        re.findall(r'data-status="(\w+)">[^<]*<span class="badge[^"]*">(\d+)</span>', html)
    )
    assert counts == {
        "requested": "26",
        "accepted": "0",
        "completed": "0",
        "declined": "1",
        "cancelled": "0",
    }


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_page_and_api_queries_do_not_grow_with_the_rows(web, api, people, ask, deposit):
    users = people["users"]
    first = retrieval.accept(actor=users["servicepoint"], request=ask())
    retrieval.complete(actor=users["servicepoint"], request=first, records=[deposit()])
    page, endpoint = web("servicepoint"), api("servicepoint")
    url = reverse("evidence:retrieval-list")
    _queries(page, url)  # the filter dropdowns' options are kept after the first page
    few = (_queries(page, url), _queries(endpoint, API))
    for _n in range(8):
        request = retrieval.accept(actor=users["colleague"], request=ask())
        retrieval.complete(actor=users["colleague"], request=request, records=[deposit()])
    assert (_queries(page, url), _queries(endpoint, API)) == few


def test_the_new_request_form_is_for_enterprise_people(web, people):
    url = reverse("evidence:retrieval-new")
    for name in ("servicepoint", "mediator", "nobody"):
        assert web(name).get(url).status_code == 403
    response = web("enterprise").get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "漳州甲食品有限公司" in html
    assert "厦门乙科技有限公司" not in html


def test_a_new_request_is_sent_and_shown(web, people):
    client = web("enterprise")
    response = client.post(
        reverse("evidence:retrieval-new"),
        {
            "enterprise": people["orgs"]["ent_a"].pk,
            "service_point": "",
            "kind": Kind.TEST_PURCHASE,
            "subject": "公证购买仿冒蜜柚",
            "details": "漳州市某超市",
            "due_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
    )
    request = RetrievalRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/retrieval/{request.pk}/"
    assert request.service_point == people["orgs"]["service_point"]
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "公证购买仿冒蜜柚" in html
    assert "Your request was sent to the service point." in html
    assert 'data-verb="retrieval.requested"' in html


def test_new_request_errors_are_shown_on_their_field(web, people):
    response = web("enterprise").post(
        reverse("evidence:retrieval-new"),
        {"enterprise": people["orgs"]["ent_a"].pk, "kind": Kind.WEB_CAPTURE, "subject": "截图"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "target_url": ["A web capture needs the address of the page to capture."]
    }
    assert not RetrievalRequest.objects.exists()


@pytest.mark.parametrize("user", ["enterprise_b", "otherpoint", "mediator", "nobody"])
def test_detail_and_actions_are_404_outside_scope(web, two, user):
    client = web(user)
    pk = two["a"].pk
    assert client.get(reverse("evidence:retrieval-detail", args=[pk])).status_code == 404
    for name in ("accept", "complete", "decline", "cancel"):
        url = reverse(f"evidence:retrieval-{name}", args=[pk])
        assert client.post(url, {f"{name}-version": 0, f"{name}-reason": "x"}).status_code == 404
    two["a"].refresh_from_db()
    assert two["a"].status == Status.REQUESTED


@pytest.mark.parametrize(
    ("user", "name"),
    [
        ("enterprise", "accept"),
        ("enterprise", "decline"),
        ("enterprise", "complete"),
        ("servicepoint", "cancel"),
    ],
)
def test_in_scope_users_who_may_not_act_get_403(web, two, user, name):
    url = reverse(f"evidence:retrieval-{name}", args=[two["a"].pk])
    response = web(user).post(url, {f"{name}-version": 0, f"{name}-reason": "x"})
    assert response.status_code == 403
    two["a"].refresh_from_db()
    assert two["a"].status == Status.REQUESTED


@pytest.mark.parametrize(
    ("user", "forms"),
    [("servicepoint", ["accept", "decline"]), ("enterprise", ["cancel"])],
)
def test_detail_shows_the_users_actions(web, two, user, forms):
    response = web(user).get(reverse("evidence:retrieval-detail", args=[two["a"].pk]))
    html = response.content.decode()
    assert re.findall(r'data-action="(\w+)"', html) == forms
    assert "芗城服务网点" in html
    assert "https://shop.example.com/item/9" in html


def test_the_service_point_accepts_then_completes_with_records(web, people, two, deposit):
    client = web("servicepoint")
    pk = two["a"].pk
    response = client.post(
        reverse("evidence:retrieval-accept", args=[pk]),
        {"accept-version": 0, "accept-assignee": people["users"]["colleague"].pk},
    )
    assert response.status_code == 302
    two["a"].refresh_from_db()
    assert two["a"].assignee == people["users"]["colleague"]
    older = deposit(title="旧证据")
    newer = deposit(title="新截图")
    deposit(depositor="ent_b", title="乙的证据")
    page = client.get(reverse("evidence:retrieval-complete", args=[pk]))
    assert page.status_code == 200
    choices = [label for _value, label in page.context["form"].fields["records"].choices]
    assert [c.split(" · ")[1] for c in choices] == ["新截图", "旧证据"]
    deposit_url = reverse("evidence:deposit")
    ent_a = people["orgs"]["ent_a"].pk
    assert f'href="{deposit_url}?depositor={ent_a}"' in page.content.decode()
    response = client.post(
        reverse("evidence:retrieval-complete", args=[pk]),
        {"complete-version": 1, "complete-records": [newer.pk], "complete-outcome": "已完成"},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("evidence:detail", args=[newer.pk])}"' in detail
    assert older.number not in detail
    assert "The request was completed" in detail


def test_complete_without_records_shows_the_error(web, people, accepted):
    response = web("servicepoint").post(
        reverse("evidence:retrieval-complete", args=[accepted.pk]), {"complete-version": 1}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["records"] == [
        "Choose at least one evidence record the collection produced."
    ]


def test_decline_needs_a_reason_on_the_page(web, two):
    url = reverse("evidence:retrieval-decline", args=[two["a"].pk])
    response = web("servicepoint").post(url, {"decline-version": 0, "decline-reason": ""})
    assert response.status_code == 200
    assert "Give a reason." in response.content.decode()
    two["a"].refresh_from_db()
    assert two["a"].status == Status.REQUESTED


def test_a_stale_version_on_the_page_is_a_409(web, people, two):
    retrieval.accept(actor=people["users"]["colleague"], request=two["a"])
    response = web("servicepoint").post(
        reverse("evidence:retrieval-decline", args=[two["a"].pk]),
        {"decline-version": 0, "decline-reason": "忙"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert response.context["form"].initial["version"] == 1
    two["a"].refresh_from_db()
    assert two["a"].status == Status.ACCEPTED


def test_the_enterprise_cancels_on_the_page(web, two):
    response = web("enterprise").post(
        reverse("evidence:retrieval-cancel", args=[two["a"].pk]),
        {"cancel-version": 0, "cancel-reason": "不再需要"},
    )
    assert response.status_code == 302
    two["a"].refresh_from_db()
    assert two["a"].status == Status.CANCELLED
    again = web("enterprise").post(
        reverse("evidence:retrieval-cancel", args=[two["a"].pk]),
        {"cancel-version": 1, "cancel-reason": "再次"},
    )
    assert again.status_code == 200
    assert "cannot do this" in again.content.decode()
    assert again.context["form"] is None


def test_an_action_page_that_no_longer_applies_redirects(web, two):
    url = reverse("evidence:retrieval-complete", args=[two["a"].pk])
    response = web("servicepoint").get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/retrieval/{two['a'].pk}/"


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def api(people):
    def as_user(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people["users"][name])
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return as_user


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("enterprise", ["甲 网店截图"]),
        ("servicepoint", ["甲 网店截图"]),
        ("otherpoint", ["乙 现场拍照"]),
        ("mediator", []),
    ],
)
def test_api_lists_each_users_requests(api, two, user, expected):
    response = api(user).get(API)
    assert response.status_code == 200
    assert [row["subject"] for row in response.json()["results"]] == expected


def test_api_list_filters_and_refuses_unknown_parameters(api, two):
    client = api("superuser")
    assert [r["subject"] for r in client.get(API, {"kind": "onsite_photos"}).json()["results"]] == [
        "乙 现场拍照"
    ]
    response = client.get(API, {"colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()


def test_api_create_defaults_the_service_point(api, people):
    response = api("enterprise").post(
        API,
        {
            "enterprise": people["orgs"]["ent_a"].pk,
            "kind": "web_capture",
            "subject": "网店截图",
            "target_url": "https://shop.example.com/x",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["service_point"] == {
        "id": people["orgs"]["service_point"].pk,
        "name": "芗城服务网点",
    }
    assert data["status"] == "requested"
    assert data["version"] == 0
    assert data["events"][0]["verb"] == "retrieval.requested"
    assert data["web_url"] == f"/evidence/retrieval/{data['id']}/"


@pytest.mark.parametrize(
    ("user", "body", "status", "field"),
    [
        ("enterprise", {"kind": "web_capture", "subject": "x"}, 400, "target_url"),
        ("enterprise", {"kind": "teleport", "subject": "x"}, 400, "kind"),
        (
            "enterprise",
            {"kind": "other", "subject": "x", "due_date": "2020-01-01"},
            400,
            "due_date",
        ),
        ("enterprise", {"kind": "other", "subject": "x", "enterprise": "ent_b"}, 400, "enterprise"),
        (
            "enterprise",
            {"kind": "other", "subject": "x", "service_point": "committee"},
            400,
            "service_point",
        ),
        ("servicepoint", {"kind": "other", "subject": "x"}, 403, None),
    ],
)
def test_api_create_refusals(api, people, user, body, status, field):
    orgs = people["orgs"]
    body = {"enterprise": orgs["ent_a"].pk, **body}
    for key in ("enterprise", "service_point"):
        if isinstance(body.get(key), str):
            body[key] = orgs[body[key]].pk
    response = api(user).post(API, body, format="json")
    assert response.status_code == status
    if field:
        assert field in response.json()
    assert not RetrievalRequest.objects.exists()


def test_api_actions_run_the_workflow(api, people, two, deposit):
    client = api("servicepoint")
    pk = two["a"].pk
    response = client.post(
        f"{API}{pk}/accept/", {"version": 0, "assignee": people["users"]["colleague"].pk}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"]["id"] == people["users"]["colleague"].pk
    assert response.json()["version"] == 1
    record = deposit()
    response = client.post(
        f"{API}{pk}/complete/", {"version": 1, "records": [record.pk], "outcome": "完成"}
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "completed"
    assert [r["number"] for r in data["records"]] == [record.number]
    assert data["records"][0]["sha256"] == record.sha256
    assert [e["verb"] for e in data["events"]] == [
        "retrieval.requested",
        "retrieval.accepted",
        "retrieval.completed",
    ]


def test_api_stale_version_is_409(api, people, two):
    retrieval.accept(actor=people["users"]["colleague"], request=two["a"])
    response = api("servicepoint").post(
        f"{API}{two['a'].pk}/decline/", {"version": 0, "reason": "x"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_api_complete_refusals_name_records(api, people, accepted, deposit):
    client = api("servicepoint")
    url = f"{API}{accepted.pk}/complete/"
    empty = client.post(url, {"records": []}, format="json")
    assert empty.status_code == 400
    assert "records" in empty.json()
    other = deposit(depositor="ent_b")
    wrong = client.post(url, {"records": [other.pk]}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["records"] == [f"{other.number} was not deposited for 漳州甲食品有限公司."]
    hidden = deposit(actor=people["users"]["otherpoint"])
    unseen = client.post(url, {"records": [hidden.pk]}, format="json")
    assert unseen.status_code == 400
    assert "records" in unseen.json()
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_api_refusals_are_403_with_a_code_and_404_outside_scope(api, two):
    pk = two["a"].pk
    cancel = api("servicepoint").post(f"{API}{pk}/cancel/", {"reason": "x"})
    assert cancel.status_code == 403
    assert cancel.json()["code"] == "forbidden"
    decline = api("servicepoint").post(f"{API}{pk}/decline/", {"reason": ""})
    assert decline.status_code == 400
    assert decline.json()["reason"] == ["Give a reason."]
    for user in ("otherpoint", "enterprise_b", "mediator"):
        assert api(user).get(f"{API}{pk}/").status_code == 404
        assert api(user).post(f"{API}{pk}/accept/", {}).status_code == 404
    two["a"].refresh_from_db()
    assert two["a"].status == Status.REQUESTED
    assert RetrievalEvent.objects.filter(request=two["a"]).count() == 1


def test_api_shows_only_the_records_the_user_may_see(api, people, accepted, deposit):
    record = deposit()
    retrieval.complete(actor=people["users"]["servicepoint"], request=accepted, records=[record])
    # The enterprise sees its record; the other point's clerk would not even see the request.
    data = api("enterprise").get(f"{API}{accepted.pk}/").json()
    assert [r["id"] for r in data["records"]] == [record.pk]
