"""Collaboration requests API (/api/v1/collaboration-requests/): who sees what (a partner sees
the requests to and from its bureau only, a stranger gets 404), sending with refusals naming
the field, every action through the services with versions (409 when stale), replies with
checked attachments served only to the two sides, the FilterSet, and the admin's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from alliance import collaboration
from alliance.models import (
    CollaborationReply,
    CollaborationRequest,
    Membership,
    Organization,
    Region,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/collaboration-requests/"
Kind = CollaborationRequest.Kind
Status = CollaborationRequest.Status
PDF = b"%PDF-1.4 reply letter"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def xiamen(world):
    """A third member bureau and its liaison: requests between it and Zhangzhou are none of
    the partner's business."""
    org = Organization.objects.create(
        kind=Organization.Kind.BUREAU,
        name="厦门市市场监督管理局",
        region=Region.objects.get(code="350200"),
        alliance_joined_on=dt.date(2023, 4, 26),
    )
    user = get_user_model().objects.create_user("xm_liaison", password="pw-test-123")
    Membership.objects.create(user=user, organization=org, role=Membership.Role.LIAISON)
    world["users"]["xm_liaison"] = user
    return org


@pytest.fixture
def api(world, xiamen):
    def login(name: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(world["users"][name])
        return client

    return login


def send(world, sender="zz_bureau", target="partner", who="clerk", kind=Kind.EVIDENCE, **extra):
    orgs = world["orgs"]
    return collaboration.collaboration_send(
        actor=world["users"][who],
        from_organization=orgs[sender] if isinstance(sender, str) else sender,
        to_organization=orgs[target] if isinstance(target, str) else target,
        kind=kind,
        subject=extra.pop("subject", "协助调取沈阳商户销售侵权商品的证据"),
        **extra,
    )


@pytest.fixture
def requests_(world, xiamen):
    return {
        "zz_to_sy": send(world),
        "sy_to_zz": send(
            world, "partner", "zz_bureau", who="partner", kind=Kind.INFORMATION, subject="通报线索"
        ),
        "zz_to_xm": send(world, target=xiamen, kind=Kind.SERVICE, subject="协助送达厦门当事人"),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- visibility ---------------------------------------------------------------------------------


def test_the_partner_lists_only_the_requests_to_and_from_its_bureau(api, requests_):
    assert ids(api("partner").get(URL)) == {requests_["zz_to_sy"].pk, requests_["sy_to_zz"].pk}
    assert ids(api("clerk").get(URL)) == {r.pk for r in requests_.values()}
    assert ids(api("xm_liaison").get(URL)) == {requests_["zz_to_xm"].pk}
    assert ids(api("superuser").get(URL)) == {r.pk for r in requests_.values()}


@pytest.mark.parametrize("who", ["partner", "servicepoint", "nobody", "enterprise"])
def test_a_request_between_others_is_404_everywhere(api, requests_, who):
    client = api(who)
    pk = requests_["zz_to_xm"].pk
    assert client.get(f"{URL}{pk}/").status_code == 404
    assert client.get(f"{URL}{pk}/replies/").status_code == 404
    assert client.post(f"{URL}{pk}/accept/", {}, format="json").status_code == 404
    assert client.post(f"{URL}{pk}/cancel/", {"note": "x"}, format="json").status_code == 404
    assert ids(api("servicepoint").get(URL)) == set()


def test_anonymous_requests_are_refused(requests_):
    assert APIClient().get(URL).status_code in (401, 403)


def test_the_detail_says_the_direction_relative_to_the_reader(api, requests_):
    pk = requests_["zz_to_sy"].pk
    assert api("clerk").get(f"{URL}{pk}/").json()["direction"] == "sent"
    body = api("partner").get(f"{URL}{pk}/").json()
    assert body["direction"] == "received"
    assert body["from_organization"]["name"] == "漳州市市场监督管理局"
    assert body["status"] == "open" and body["version"] == 1 and body["reply_count"] == 0


# --- sending ------------------------------------------------------------------------------------


def test_sending_through_the_api_computes_the_due_date(api, world):
    response = api("clerk").post(
        URL,
        {
            "from_organization": world["orgs"]["zz_bureau"].pk,
            "to_organization": world["orgs"]["partner"].pk,
            "kind": "evidence",
            "subject": "协助调取证据",
            "body": "请协助。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    created = CollaborationRequest.objects.get(pk=body["id"])
    assert created.created_by == world["users"]["clerk"]
    assert body["due_on"] == collaboration.response_due_on("evidence", created.sent_on).isoformat()
    assert body["direction"] == "sent" and body["kind_display"] == "Evidence assistance"


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        ({"to_organization": "zz_bureau"}, "to_organization", "own organisation"),
        ({"to_organization": "committee"}, "to_organization", "not an alliance member"),
        ({"due_on": "past"}, "due_on", "past"),
        ({"from_organization": "partner"}, "from_organization", "do not act"),
        ({"from_organization": "committee", "who": "mediator"}, "from_organization", "members"),
        ({"kind": "gossip"}, "kind", "valid choice"),
    ],
)
def test_sending_refusals_name_the_field(api, world, payload, field, text):
    orgs = world["orgs"]
    data = {
        "from_organization": orgs["zz_bureau"].pk,
        "to_organization": orgs["partner"].pk,
        "kind": "evidence",
        "subject": "协助",
    }
    who = payload.pop("who", "clerk")
    for key, value in payload.items():
        if key == "due_on":
            data[key] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        elif key.endswith("organization"):
            data[key] = orgs[value].pk
        else:
            data[key] = value
    response = api(who).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert text in " ".join(response.json()[field])
    assert not CollaborationRequest.objects.exists()


def test_a_user_who_acts_for_no_member_cannot_send(api, world):
    data = {
        "from_organization": world["orgs"]["zz_bureau"].pk,
        "to_organization": world["orgs"]["partner"].pk,
        "kind": "evidence",
        "subject": "x",
    }
    assert api("nobody").post(URL, data, format="json").status_code == 403
    response = api("servicepoint").post(URL, data, format="json")
    assert response.status_code == 400
    assert response.json()["from_organization"] == ["You do not act for this organisation."]
    assert not CollaborationRequest.objects.exists()


# --- actions ------------------------------------------------------------------------------------


def test_accept_then_complete_end_to_end(api, requests_, world):
    pk = requests_["zz_to_sy"].pk
    partner = api("partner")
    response = partner.post(f"{URL}{pk}/accept/", {"version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted" and response.json()["version"] == 2
    response = partner.post(
        f"{URL}{pk}/complete/", {"version": 2, "note": "证据已调取"}, format="json"
    )
    assert response.status_code == 200, response.content
    done = CollaborationRequest.objects.get(pk=pk)
    assert done.status == Status.COMPLETED and done.closing_note == "证据已调取"
    assert done.closed_on == timezone.localdate()
    assert done.history.first().history_user == world["users"]["partner"]


def test_decline_needs_a_note_and_then_closes(api, requests_):
    pk = requests_["zz_to_sy"].pk
    partner = api("partner")
    response = partner.post(f"{URL}{pk}/decline/", {"note": " "}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert CollaborationRequest.objects.get(pk=pk).status == Status.OPEN
    response = partner.post(f"{URL}{pk}/decline/", {"note": "不在本局辖区"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["closing_note"] == "不在本局辖区"


def test_cancel_is_for_the_sender_with_a_note(api, requests_):
    pk = requests_["zz_to_sy"].pk
    assert (
        api("partner").post(f"{URL}{pk}/cancel/", {"note": "x"}, format="json").status_code == 403
    )
    response = api("clerk").post(f"{URL}{pk}/cancel/", {"note": "当事人已和解"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_the_sender_cannot_answer_its_own_request(api, requests_):
    pk = requests_["zz_to_sy"].pk
    response = api("clerk").post(f"{URL}{pk}/accept/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert CollaborationRequest.objects.get(pk=pk).status == Status.OPEN


def test_a_stale_version_is_a_409_and_changes_nothing(api, requests_):
    pk = requests_["zz_to_sy"].pk
    partner = api("partner")
    assert partner.post(f"{URL}{pk}/accept/", {"version": 1}, format="json").status_code == 200
    response = partner.post(f"{URL}{pk}/complete/", {"version": 1, "note": ""}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert CollaborationRequest.objects.get(pk=pk).status == Status.ACCEPTED


def test_an_action_in_the_wrong_state_is_refused_with_its_code(api, requests_):
    pk = requests_["zz_to_sy"].pk
    response = api("partner").post(f"{URL}{pk}/complete/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"


# --- replies and attachments ----------------------------------------------------------------------


def reply(client, pk, *, name="reply.pdf", content=PDF, body="已完成"):
    data = {"body": body}
    if name is not None:
        data["attachment"] = SimpleUploadedFile(name, content)
    return client.post(f"{URL}{pk}/replies/", data, format="multipart")


def test_both_sides_reply_and_the_attachment_is_served_to_them_only(api, requests_, world):
    pk = requests_["zz_to_sy"].pk
    response = reply(api("partner"), pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"]["name"] == "沈阳市市场监督管理局"
    assert body["attachment_name"] == "reply.pdf"
    download = body["download_url"]
    assert download == f"{URL}{pk}/replies/{body['id']}/attachment/"
    response = api("clerk").get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    for stranger in ("xm_liaison", "servicepoint"):
        assert api(stranger).get(download).status_code == 404
    assert reply(api("clerk"), pk, name=None, body="收悉").status_code == 201
    listed = api("partner").get(f"{URL}{pk}/replies/").json()
    assert [(r["organization"]["name"], r["body"]) for r in listed] == [
        ("沈阳市市场监督管理局", "已完成"),
        ("漳州市市场监督管理局", "收悉"),
    ]
    assert api("partner").get(f"{URL}{pk}/").json()["reply_count"] == 2


def test_a_reply_without_attachment_has_no_download(api, requests_):
    pk = requests_["zz_to_sy"].pk
    created = reply(api("partner"), pk, name=None).json()
    assert created["download_url"] == "" and created["attachment_name"] == ""
    url = f"{URL}{pk}/replies/{created['id']}/attachment/"
    assert api("partner").get(url).status_code == 404


def test_an_attachment_of_another_request_is_not_reachable_through_this_one(api, requests_):
    own = requests_["zz_to_sy"].pk
    created = reply(api("clerk"), requests_["zz_to_xm"].pk).json()
    url = f"{URL}{own}/replies/{created['id']}/attachment/"
    assert api("clerk").get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("virus.exe", b"MZ\x90\x00", "not accepted"),
        ("letter.pdf", PNG, "content"),
        ("photo.png", PDF, "content"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_stored(
    api, requests_, settings, media, name, content, text
):
    response = reply(api("partner"), requests_["zz_to_sy"].pk, name=name, content=content)
    assert response.status_code == 400
    assert text in " ".join(response.json()["attachment"])
    assert not CollaborationReply.objects.exists()
    assert not any(path.is_file() for path in media.rglob("*"))


def test_a_stranger_cannot_reply(api, requests_):
    response = reply(api("xm_liaison"), requests_["zz_to_sy"].pk)
    assert response.status_code == 404
    assert not CollaborationReply.objects.exists()


# --- filters ------------------------------------------------------------------------------------


def test_direction_filters_relative_to_the_user(api, requests_):
    client = api("partner")
    assert ids(client.get(URL, {"direction": "sent"})) == {requests_["sy_to_zz"].pk}
    assert ids(client.get(URL, {"direction": "received"})) == {requests_["zz_to_sy"].pk}
    assert ids(api("clerk").get(URL, {"direction": "received"})) == {requests_["sy_to_zz"].pk}


def test_status_kind_counterpart_sent_and_q_filters(api, requests_, world):
    client = api("clerk")
    collaboration.collaboration_accept(
        actor=world["users"]["partner"], request=requests_["zz_to_sy"]
    )
    assert ids(client.get(URL, {"status": "accepted"})) == {requests_["zz_to_sy"].pk}
    assert ids(client.get(URL, {"kind": "service"})) == {requests_["zz_to_xm"].pk}
    partner_org = world["orgs"]["partner"].pk
    assert ids(client.get(URL, {"counterpart": partner_org})) == {
        requests_["zz_to_sy"].pk,
        requests_["sy_to_zz"].pk,
    }
    assert ids(client.get(URL, {"q": "厦门"})) == {requests_["zz_to_xm"].pk}
    today = timezone.localdate().isoformat()
    assert len(ids(client.get(URL, {"sent_after": today, "sent_before": today}))) == 3
    assert ids(client.get(URL, {"sent_before": "2020-01-01"})) == set()


def test_the_overdue_filter(api, world, monkeypatch):
    real = timezone.localdate()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: real - dt.timedelta(days=60))
    old = send(world, kind=Kind.CONFIRMATION, subject="早已到期")
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: real)
    fresh = send(world, subject="新请求")
    client = api("partner")
    assert ids(client.get(URL, {"overdue": "true"})) == {old.pk}
    assert ids(client.get(URL, {"overdue": "false"})) == {fresh.pk}
    assert client.get(f"{URL}{old.pk}/").json()["is_overdue"] is True


def test_unknown_query_parameters_are_refused(api, requests_):
    response = api("clerk").get(URL, {"stauts": "open"})
    assert response.status_code == 400
    assert "stauts" in response.json()


# --- admin --------------------------------------------------------------------------------------


@pytest.fixture
def staff(client, settings, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def login(name: str):
        user = world["users"][name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return login


def test_a_staff_partner_sees_only_its_requests_and_replies_in_the_admin(staff, requests_, world):
    collaboration.collaboration_reply(
        actor=world["users"]["clerk"], request=requests_["zz_to_xm"], body="补充材料"
    )
    mine = collaboration.collaboration_reply(
        actor=world["users"]["clerk"], request=requests_["zz_to_sy"], body="补充说明"
    )
    client = staff("partner")
    response = client.get(reverse("admin:alliance_collaborationrequest_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {requests_["zz_to_sy"].pk, requests_["sy_to_zz"].pk}
    response = client.get(reverse("admin:alliance_collaborationreply_changelist"))
    assert {obj.pk for obj in response.context["cl"].result_list} == {mine.pk}
    other = requests_["zz_to_xm"].pk
    url = reverse("admin:alliance_collaborationrequest_history", args=[other])
    assert client.get(url).status_code == 404


def test_the_admin_is_read_only_and_offers_no_bulk_delete(staff, requests_, world):
    client = staff("clerk")
    pk = requests_["zz_to_sy"].pk
    url = reverse("admin:alliance_collaborationrequest_change", args=[pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Save" not in response.content.decode()
    client.post(url, {"subject": "改了", "status": "completed"})
    unchanged = CollaborationRequest.objects.get(pk=pk)
    assert unchanged.subject != "改了" and unchanged.status == Status.OPEN
    changelist = client.get(reverse("admin:alliance_collaborationrequest_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert client.get(reverse("admin:alliance_collaborationrequest_add")).status_code == 403
