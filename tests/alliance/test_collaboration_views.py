"""Collaboration pages (issue 5 parts 3 and 5): inbox and outbox per user, filters, overdue
highlighting and queue, the new-request form, the detail with its actions and replies,
attachments, and the reciprocity board."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance import collaboration
from alliance.models import (
    CollaborationReply,
    CollaborationRequest,
    Membership,
    Organization,
)

pytestmark = pytest.mark.django_db

Kind = CollaborationRequest.Kind
Status = CollaborationRequest.Status
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def alliance(world, regions):
    """``world`` plus a third member bureau (Xiamen) with a mediator, and a viewer of the
    Zhangzhou bureau (sees the requests, may not act)."""
    User = get_user_model()
    orgs, users = dict(world["orgs"]), dict(world["users"])
    orgs["xiamen"] = Organization.objects.create(
        kind=Organization.Kind.BUREAU,
        name="厦门市市场监督管理局",
        region=regions["xiamen"],
        alliance_joined_on=dt.date(2023, 4, 26),
    )
    for name, org, role in [
        ("xiamen", "xiamen", Membership.Role.MEDIATOR),
        ("viewer", "zz_bureau", Membership.Role.VIEWER),
    ]:
        users[name] = User.objects.create_user(name, password="pw-test-123")
        Membership.objects.create(user=users[name], organization=orgs[org], role=role)
    return {**world, "orgs": orgs, "users": users}


@pytest.fixture
def as_user(client, alliance):
    """Log in as one of the fixture users; pages in English (messages are asserted)."""

    def login(name: str):
        client.force_login(alliance["users"][name])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def send(alliance, sender="org_admin", frm="zz_bureau", to="partner", **extra):
    extra.setdefault("kind", Kind.EVIDENCE)
    extra.setdefault("subject", "请求协助调取被申请人销售证据")
    return collaboration.collaboration_send(
        actor=alliance["users"][sender],
        from_organization=alliance["orgs"][frm],
        to_organization=alliance["orgs"][to],
        **extra,
    )


def make(alliance, frm, to, *, sent_on, due_on, status=Status.OPEN, closed_on=None, **extra):
    """A request as the demo data or history would hold it (dates in the past)."""
    accepted = sent_on if status in (Status.ACCEPTED, Status.COMPLETED) else None
    return CollaborationRequest.objects.create(
        from_organization=alliance["orgs"][frm],
        to_organization=alliance["orgs"][to],
        kind=extra.pop("kind", Kind.EVIDENCE),
        subject=extra.pop("subject", f"{frm}→{to} {sent_on}"),
        sent_on=sent_on,
        due_on=due_on,
        status=status,
        accepted_on=accepted,
        closed_on=closed_on,
        **extra,
    )


def subjects(response) -> list[str]:
    return [item.subject for item in response.context["object_list"]]


def html(response) -> str:
    return response.content.decode()


def table(response) -> str:
    """The list's table only (the filter's dropdown names every member)."""
    page = html(response)
    start = page.find('id="collaboration-requests"')
    return page[start : page.find("</table>", start)] if start >= 0 else ""


INBOX = reverse("alliance:collaboration-inbox")
OUTBOX = reverse("alliance:collaboration-outbox")
OVERDUE = reverse("alliance:collaboration-overdue")
RECIPROCITY = reverse("alliance:collaboration-reciprocity")
CREATE = reverse("alliance:collaboration-create")


def detail(obj) -> str:
    return reverse("alliance:collaboration-detail", args=[obj.pk])


def action(obj, name: str) -> str:
    return reverse("alliance:collaboration-action", args=[obj.pk, name])


# --- inbox and outbox ---------------------------------------------------------------------------


@pytest.fixture
def three(alliance):
    return {
        "zz_to_partner": send(alliance, subject="漳州请沈阳调证"),
        "partner_to_zz": send(
            alliance, sender="partner", frm="partner", to="zz_bureau", subject="沈阳请漳州送达"
        ),
        "xiamen_to_partner": send(
            alliance, sender="xiamen", frm="xiamen", to="partner", subject="厦门请沈阳协查"
        ),
    }


@pytest.mark.parametrize(
    ("user", "inbox", "outbox"),
    [
        ("org_admin", ["沈阳请漳州送达"], ["漳州请沈阳调证"]),
        ("viewer", ["沈阳请漳州送达"], ["漳州请沈阳调证"]),
        ("partner", ["厦门请沈阳协查", "漳州请沈阳调证"], ["沈阳请漳州送达"]),
        ("servicepoint", [], []),
        ("mediator", [], []),
        ("nobody", [], []),
        ("superuser", ["厦门请沈阳协查", "沈阳请漳州送达", "漳州请沈阳调证"], None),
    ],
)
def test_inbox_and_outbox_show_each_user_their_side(as_user, three, user, inbox, outbox):
    client = as_user(user)
    response = client.get(INBOX + "?sort=subject")
    assert response.status_code == 200
    assert sorted(subjects(response)) == sorted(inbox)
    if not inbox:
        assert "No collaboration request was sent to your organisations." in html(response)
        assert "漳州请沈阳调证" not in html(response)
    if outbox is not None:
        response = client.get(OUTBOX)
        assert sorted(subjects(response)) == sorted(outbox)
        if not outbox:
            assert "have not sent any collaboration request" in html(response)


def test_inbox_shows_the_sender_and_the_outbox_the_target(as_user, three):
    client = as_user("partner")
    inbox = table(client.get(INBOX))
    assert "厦门市市场监督管理局" in inbox and "漳州市市场监督管理局" in inbox
    outbox = table(client.get(OUTBOX))
    assert "漳州市市场监督管理局" in outbox and "厦门市市场监督管理局" not in outbox


def test_inbox_filters(as_user, alliance, three):
    today = timezone.localdate()
    old = make(
        alliance,
        "xiamen",
        "partner",
        sent_on=today - dt.timedelta(days=40),
        due_on=today - dt.timedelta(days=25),
        kind=Kind.INFORMATION,
        subject="厦门旧的信息交换",
    )
    client = as_user("partner")
    xiamen = alliance["orgs"]["xiamen"].pk

    def filtered(query: str) -> list[str]:
        return sorted(subjects(client.get(INBOX + "?" + query)))

    assert filtered(f"counterpart={xiamen}") == ["厦门旧的信息交换", "厦门请沈阳协查"]
    assert filtered("kind=information") == ["厦门旧的信息交换"]
    assert filtered("q=调证") == ["漳州请沈阳调证"]
    assert filtered("overdue=true") == ["厦门旧的信息交换"]
    assert filtered("overdue=false") == ["厦门请沈阳协查", "漳州请沈阳调证"]
    since = (today - dt.timedelta(days=1)).isoformat()
    assert filtered(f"sent_after={since}") == ["厦门请沈阳协查", "漳州请沈阳调证"]
    until = (today - dt.timedelta(days=30)).isoformat()
    assert filtered(f"sent_before={until}") == ["厦门旧的信息交换"]
    collaboration.collaboration_accept(actor=alliance["users"]["partner"], request=old)
    assert filtered("status=accepted") == ["厦门旧的信息交换"]
    assert filtered("status=open&status=accepted") == sorted(
        ["厦门旧的信息交换", "厦门请沈阳协查", "漳州请沈阳调证"]
    )
    # Bad filter input shows the form errors and no rows, never everything.
    response = client.get(INBOX + "?status=bogus")
    assert response.status_code == 200 and subjects(response) == []


def test_counterpart_filter_reads_from_the_users_side(as_user, alliance, three):
    # The Zhangzhou bureau filtering by the Shenyang bureau: both directions between them.
    client = as_user("org_admin")
    partner = alliance["orgs"]["partner"].pk
    assert subjects(client.get(f"{INBOX}?counterpart={partner}")) == ["沈阳请漳州送达"]
    assert subjects(client.get(f"{OUTBOX}?counterpart={partner}")) == ["漳州请沈阳调证"]
    own = alliance["orgs"]["zz_bureau"].pk
    assert subjects(client.get(f"{OUTBOX}?counterpart={own}")) == []


def test_lists_sort_and_paginate(as_user, alliance):
    today = timezone.localdate()
    for n in range(30):
        make(
            alliance,
            "partner",
            "zz_bureau",
            sent_on=today - dt.timedelta(days=n),
            due_on=today + dt.timedelta(days=30 - n),
            subject=f"请求{n:02d}",
        )
    client = as_user("org_admin")
    first = client.get(INBOX)
    assert subjects(first)[:2] == ["请求00", "请求01"]  # newest sent first
    assert len(subjects(first)) == 25 and "Page 1 of 2" in html(first)
    assert subjects(client.get(INBOX + "?sort=due"))[0] == "请求29"
    assert subjects(client.get(INBOX + "?page=9"))[-1] == "请求29"  # past the end: last page
    assert subjects(client.get(INBOX + "?sort=nonsense"))[0] == "请求00"


# --- overdue ------------------------------------------------------------------------------------


@pytest.fixture
def deadlines(alliance):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    return {
        "late_in": make(
            alliance, "partner", "zz_bureau", sent_on=today - 20 * day, due_on=today - 3 * day,
            subject="逾期收到",
        ),
        "later_out": make(
            alliance, "zz_bureau", "partner", sent_on=today - 20 * day, due_on=today - day,
            status=Status.ACCEPTED, subject="逾期已接受发出",
        ),
        "oldest_out": make(
            alliance, "zz_bureau", "xiamen", sent_on=today - 30 * day, due_on=today - 10 * day,
            subject="最早逾期发出",
        ),
        "due_today": make(
            alliance, "partner", "zz_bureau", sent_on=today - 5 * day, due_on=today,
            subject="今天到期",
        ),
        "closed_late": make(
            alliance, "partner", "zz_bureau", sent_on=today - 30 * day, due_on=today - 20 * day,
            status=Status.COMPLETED, closed_on=today - 2 * day, subject="已完成迟了",
        ),
        "not_ours": make(
            alliance, "xiamen", "partner", sent_on=today - 30 * day, due_on=today - 20 * day,
            subject="别人的逾期",
        ),
    }  # fmt: skip


def test_overdue_rows_are_highlighted_in_the_inbox(as_user, deadlines):
    body = html(as_user("org_admin").get(INBOX))
    row = r'<tr( class="table-danger" data-overdue="true")?>\s*<td><a[^>]*>([^<]+)'
    rows = re.findall(row, body)
    flagged = {subject for mark, subject in rows if mark}
    assert flagged == {"逾期收到"}
    assert {subject for _mark, subject in rows} == {"逾期收到", "今天到期", "已完成迟了"}


def test_overdue_queue_lists_both_directions_oldest_due_first(as_user, deadlines):
    response = as_user("org_admin").get(OVERDUE)
    assert subjects(response) == ["最早逾期发出", "逾期收到", "逾期已接受发出"]
    assert html(response).count('data-overdue="true"') == 3
    assert subjects(as_user("servicepoint").get(OVERDUE)) == []
    assert "别人的逾期" in subjects(as_user("superuser").get(OVERDUE))


# --- new request --------------------------------------------------------------------------------


def test_new_request_form_offers_the_users_sides(as_user, alliance):
    response = as_user("org_admin").get(CREATE)
    form = response.context["form"]
    assert list(form.fields["from_organization"].queryset) == [alliance["orgs"]["zz_bureau"]]
    offered = {label for value, label in form.fields["to_organization"].widget.choices if value}
    assert offered == {"沈阳市市场监督管理局", "厦门市市场监督管理局"}
    due = collaboration.response_due_on(Kind.EVIDENCE, timezone.localdate())
    assert due.isoformat() in html(response)  # the default due dates, as help
    assert (
        json.loads(
            re.search(r'id="collaboration-due-dates"[^>]*>([^<]+)<', html(response)).group(1)
        )["evidence"]
        == due.isoformat()
    )


def test_new_request_is_sent_and_shown(as_user, alliance):
    client = as_user("org_admin")
    response = client.post(
        CREATE,
        {
            "from_organization": alliance["orgs"]["zz_bureau"].pk,
            "to_organization": alliance["orgs"]["partner"].pk,
            "kind": Kind.JOINT_MEDIATION,
            "subject": "联合调解请求",
            "body": "请派员参加联合调解。",
            "due_on": "",
        },
    )
    created = CollaborationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(created)
    assert created.created_by == alliance["users"]["org_admin"]
    assert created.due_on == collaboration.response_due_on(
        Kind.JOINT_MEDIATION, timezone.localdate()
    )
    page = html(client.get(detail(created)))
    assert (
        "联合调解请求" in page
        and "请派员参加联合调解。" in page
        and "The request was sent." in page
    )


@pytest.mark.parametrize(
    ("to", "due_offset", "field", "message"),
    [
        ("zz_bureau", None, "to_organization", "A request cannot go to your own organisation."),
        ("ent_a", None, "to_organization", "漳州甲食品有限公司 is not an alliance member."),
        ("partner", -1, "due_on", "The due date cannot be in the past."),
    ],
)
def test_new_request_errors_keep_the_input(as_user, alliance, to, due_offset, field, message):
    due = "" if due_offset is None else str(timezone.localdate() + dt.timedelta(days=due_offset))
    response = as_user("org_admin").post(
        CREATE,
        {
            "from_organization": alliance["orgs"]["zz_bureau"].pk,
            "to_organization": alliance["orgs"][to].pk,
            "kind": Kind.EVIDENCE,
            "subject": "保留的主题",
            "body": "保留的正文",
            "due_on": due,
        },
    )
    assert response.status_code == 200
    assert not CollaborationRequest.objects.exists()
    assert response.context["form"].errors[field] == [message]
    page = html(response)
    assert message in page
    assert 'value="保留的主题"' in page and "保留的正文" in page
    # The refused target stays selected next to its message.
    assert re.search(rf'<option value="{alliance["orgs"][to].pk}" selected>', page)
    if due:
        assert f'value="{due}"' in page


@pytest.mark.parametrize("user", ["servicepoint", "mediator", "court", "nobody", "viewer"])
def test_only_acting_member_staff_open_the_new_request_form(as_user, user):
    assert as_user(user).get(CREATE).status_code == 403


def test_sending_from_an_organisation_one_does_not_act_for_is_refused(as_user, alliance):
    response = as_user("org_admin").post(
        CREATE,
        {
            "from_organization": alliance["orgs"]["partner"].pk,
            "to_organization": alliance["orgs"]["xiamen"].pk,
            "kind": Kind.EVIDENCE,
            "subject": "冒名请求",
        },
    )
    assert response.status_code == 200 and "from_organization" in response.context["form"].errors
    assert not CollaborationRequest.objects.exists()


# --- detail and actions -------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["servicepoint", "mediator", "court", "enterprise", "xiamen"])
def test_detail_and_children_are_404_for_a_stranger(as_user, alliance, user):
    obj = send(alliance)
    collaboration.collaboration_reply(
        actor=alliance["users"]["partner"],
        request=obj,
        body="附件",
        attachment=SimpleUploadedFile("evidence.pdf", PDF),
    )
    reply = CollaborationReply.objects.get()
    client = as_user(user)
    assert client.get(detail(obj)).status_code == 404
    assert client.post(action(obj, "accept"), {"accept-version": 1}).status_code == 404
    assert client.post(reverse("alliance:collaboration-reply", args=[obj.pk])).status_code == 404
    url = reverse("alliance:collaboration-attachment", args=[obj.pk, reply.pk])
    assert client.get(url).status_code == 404
    assert CollaborationRequest.objects.get().status == Status.OPEN


def test_detail_shows_parties_dates_and_the_users_actions(as_user, alliance):
    obj = send(alliance, body="请调取店铺销售记录。")
    days = (obj.due_on - timezone.localdate()).days
    target = as_user("partner").get(detail(obj))
    page = html(target)
    assert "漳州市市场监督管理局" in page and "沈阳市市场监督管理局" in page
    assert "请调取店铺销售记录。" in page and obj.due_on.isoformat() in page
    assert f"{days} days left" in page
    assert [f.action for f in target.context["action_forms"]] == ["accept", "decline"]
    sender = as_user("org_admin").get(detail(obj))
    assert [f.action for f in sender.context["action_forms"]] == ["cancel"]
    viewer = as_user("viewer").get(detail(obj))
    assert viewer.context["action_forms"] == [] and viewer.context["reply_form"] is None


def test_overdue_detail_says_by_how_many_days(as_user, alliance):
    today = timezone.localdate()
    obj = make(
        alliance, "zz_bureau", "partner", sent_on=today - dt.timedelta(days=9),
        due_on=today - dt.timedelta(days=4),
    )  # fmt: skip
    assert "4 days overdue" in html(as_user("partner").get(detail(obj)))


@pytest.mark.parametrize(
    ("user", "name", "allowed"),
    [
        ("org_admin", "accept", False),
        ("org_admin", "decline", False),
        ("org_admin", "cancel", True),
        ("viewer", "cancel", False),
        ("partner", "cancel", False),
        ("partner", "accept", True),
        ("partner", "decline", True),
    ],
)
def test_actions_are_allowed_per_side(as_user, alliance, user, name, allowed):
    obj = send(alliance)
    response = as_user(user).post(
        action(obj, name), {f"{name}-version": obj.version, f"{name}-note": "理由"}
    )
    obj.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and response["Location"] == detail(obj)
        assert (
            obj.status == {"accept": "accepted", "decline": "declined", "cancel": "cancelled"}[name]
        )
    else:
        assert response.status_code == 403 and obj.status == Status.OPEN


def test_the_target_accepts_then_completes_with_a_note(as_user, alliance):
    obj = send(alliance)
    client = as_user("partner")
    client.post(action(obj, "accept"), {"accept-version": obj.version})
    obj.refresh_from_db()
    assert obj.status == Status.ACCEPTED
    response = client.post(
        action(obj, "complete"), {"complete-version": obj.version, "complete-note": "已办结"}
    )
    obj.refresh_from_db()
    assert response.status_code == 302
    assert obj.status == Status.COMPLETED and obj.closing_note == "已办结"
    page = html(client.get(detail(obj)))
    assert "The request was marked completed." in page and "on time" in page
    assert "Nothing for you to do on this request." in page


def test_decline_needs_a_reason(as_user, alliance):
    obj = send(alliance)
    response = as_user("partner").post(action(obj, "decline"), {"decline-version": obj.version})
    assert response.status_code == 200
    assert "Give a reason." in html(response)
    obj.refresh_from_db()
    assert obj.status == Status.OPEN


def test_a_stale_version_is_a_conflict(as_user, alliance):
    obj = send(alliance)
    stale = obj.version
    collaboration.collaboration_accept(actor=alliance["users"]["partner"], request=obj)
    response = as_user("partner").post(action(obj, "complete"), {"complete-version": stale})
    assert response.status_code == 409
    assert "changed by someone else" in html(response)
    obj.refresh_from_db()
    assert obj.status == Status.ACCEPTED
    # The page offers fresh forms with the current version.
    form = response.context["action_forms"][0]
    assert form.action == "complete" and form.initial["version"] == obj.version


def test_an_action_that_no_longer_applies_is_refused_with_a_message(as_user, alliance):
    obj = send(alliance)
    collaboration.collaboration_accept(actor=alliance["users"]["partner"], request=obj)
    obj.refresh_from_db()
    response = as_user("partner").post(action(obj, "accept"), {"accept-version": obj.version})
    assert response.status_code == 200 and "cannot do this" in html(response)


def test_unknown_actions_and_gets_are_refused(as_user, alliance):
    obj = send(alliance)
    client = as_user("partner")
    assert client.post(action(obj, "delete"), {"delete-version": 1}).status_code == 404
    assert client.get(action(obj, "accept")).status_code == 405
    assert CollaborationRequest.objects.get().status == Status.OPEN


def test_linked_cases_are_listed_for_those_who_may_open_them(as_user, alliance):
    from cases import services as case_services  # tests may cross the layers
    from tests.cases.conftest import advance, make_case, org_party

    users, orgs = alliance["users"], alliance["orgs"]
    case = make_case(
        users["mediator"],
        orgs["committee"],
        title="蜜柚外观设计侵权纠纷",
        parties=[org_party("applicant", orgs["ent_a"]), org_party("respondent", orgs["ent_b"])],
    )
    case = advance(case, users["mediator"], users["mediator"], "submitted")
    obj = case_services.case_collaboration_request(
        actor=users["org_admin"],
        case=case,
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=Kind.JOINT_MEDIATION,
        subject="联合调解",
    )
    url = reverse("cases:case-detail", args=[case.pk])
    for user in ("org_admin", "partner"):
        page = html(as_user(user).get(detail(obj)))
        assert "蜜柚外观设计侵权纠纷" in page and url in page, user
    collaboration.collaboration_decline(actor=users["partner"], request=obj, note="无管辖")
    # Declined: the share ended with the request, the case title is no longer shown.
    assert "蜜柚外观设计侵权纠纷" not in html(as_user("partner").get(detail(obj)))


# --- replies and attachments --------------------------------------------------------------------


def _stored_files() -> list[str]:
    root = os.path.join(settings.MEDIA_ROOT, "collaboration")
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def test_reply_with_an_attachment_and_its_download(as_user, alliance):
    obj = send(alliance)
    before = set(_stored_files())
    client = as_user("partner")
    response = client.post(
        reverse("alliance:collaboration-reply", args=[obj.pk]),
        {"body": "已调取销售记录，见附件。", "attachment": SimpleUploadedFile("记录.pdf", PDF)},
    )
    assert response.status_code == 302 and response["Location"].endswith("#replies")
    reply = CollaborationReply.objects.get()
    assert reply.organization == alliance["orgs"]["partner"]
    assert len(set(_stored_files()) - before) == 1
    page = html(as_user("org_admin").get(detail(obj)))
    url = reverse("alliance:collaboration-attachment", args=[obj.pk, reply.pk])
    assert "已调取销售记录，见附件。" in page and url in page
    download = as_user("org_admin").get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    # The reply's id under another request is no way in.
    other = send(alliance, subject="另一请求")
    wrong = reverse("alliance:collaboration-attachment", args=[other.pk, reply.pk])
    assert as_user("org_admin").get(wrong).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "are not accepted"),
        ("scan.pdf", PNG[:12], "content is not a PDF document"),
    ],
)
def test_refused_attachments_store_nothing(as_user, alliance, settings, name, content, message):
    obj = send(alliance)
    before = set(_stored_files())
    response = as_user("partner").post(
        reverse("alliance:collaboration-reply", args=[obj.pk]),
        {"body": "保留的回复", "attachment": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert message in html(response) and "保留的回复" in html(response)
    assert not CollaborationReply.objects.exists()
    assert set(_stored_files()) == before


def test_a_viewer_sees_replies_but_may_not_reply(as_user, alliance):
    obj = send(alliance)
    response = as_user("viewer").post(
        reverse("alliance:collaboration-reply", args=[obj.pk]), {"body": "x"}
    )
    assert response.status_code == 403 and not CollaborationReply.objects.exists()


# --- reciprocity board --------------------------------------------------------------------------


@pytest.fixture
def year_2025(alliance):
    d = dt.date
    rows = [
        # Zhangzhou → Shenyang: one completed on time, one late, one still open.
        ("zz_bureau", "partner", d(2025, 3, 3), d(2025, 3, 18), Status.COMPLETED, d(2025, 3, 18)),
        ("zz_bureau", "partner", d(2025, 4, 1), d(2025, 4, 16), Status.COMPLETED, d(2025, 4, 20)),
        ("zz_bureau", "partner", d(2025, 5, 6), d(2025, 5, 21), Status.OPEN, None),
        # Shenyang → Zhangzhou: completed early; another declined.
        ("partner", "zz_bureau", d(2025, 6, 2), d(2025, 6, 12), Status.COMPLETED, d(2025, 6, 5)),
        ("partner", "zz_bureau", d(2025, 6, 9), d(2025, 6, 19), Status.DECLINED, d(2025, 6, 10)),
        # Zhangzhou → Xiamen, open.
        ("zz_bureau", "xiamen", d(2025, 7, 1), d(2025, 7, 16), Status.OPEN, None),
        # Xiamen → Shenyang: not Zhangzhou's business.
        ("xiamen", "partner", d(2025, 8, 1), d(2025, 8, 8), Status.COMPLETED, d(2025, 8, 8)),
        ("xiamen", "partner", d(2025, 8, 4), d(2025, 8, 11), Status.CANCELLED, d(2025, 8, 5)),
        # Another year.
        ("zz_bureau", "partner", d(2024, 11, 4), d(2024, 11, 19), Status.COMPLETED, d(2024, 11, 8)),
    ]
    for frm, to, sent, due, status, closed in rows:
        make(alliance, frm, to, sent_on=sent, due_on=due, status=status, closed_on=closed)
    return alliance


def _pairs(response) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    return {
        (p.a.name[:2], p.b.name[:2]): (p.a_to_b, p.b_to_a, p.completed, p.on_time)
        for p in response.context["board"].pairs
    }


def test_reciprocity_counts_the_pairs_of_the_users_organisations(as_user, year_2025):
    response = as_user("org_admin").get(RECIPROCITY + "?year=2025")
    assert response.status_code == 200
    assert _pairs(response) == {("漳州", "沈阳"): (3, 2, 3, 2), ("漳州", "厦门"): (1, 0, 0, 0)}
    page = html(response)
    assert 'id="reciprocity-table"' in page and "echarts.min.js" in page
    chart = json.loads(re.search(r'id="reciprocity-data"[^>]*>([^<]+)<', page).group(1))
    columns = zip(*[s["data"] for s in chart["series"]], strict=True)
    by_org = dict(zip(chart["categories"], columns, strict=True))
    # Per organisation: sent, received, received and completed on time.
    assert by_org["漳州市市场监督管理局"] == (4, 2, 1)
    assert by_org["沈阳市市场监督管理局"] == (2, 3, 1)
    assert by_org["厦门市市场监督管理局"] == (0, 1, 0)
    assert [o.organization.name for o in response.context["board"].organizations] == sorted(by_org)


def test_reciprocity_pairs_are_oriented_from_the_viewers_side(as_user, year_2025):
    response = as_user("partner").get(RECIPROCITY + "?year=2025")
    assert _pairs(response) == {("沈阳", "漳州"): (2, 3, 3, 2), ("沈阳", "厦门"): (0, 2, 1, 1)}


def test_superusers_see_every_pair_and_other_years(as_user, year_2025):
    client = as_user("superuser")
    pairs = _pairs(client.get(RECIPROCITY + "?year=2025"))
    assert set(pairs) == {("厦门", "沈阳"), ("沈阳", "漳州"), ("厦门", "漳州")}
    assert pairs[("厦门", "沈阳")] == (2, 0, 1, 1)
    response = client.get(RECIPROCITY + "?year=2024")
    assert _pairs(response) == {("沈阳", "漳州"): (0, 1, 1, 1)}
    assert {2024, 2025, timezone.localdate().year} <= set(response.context["years"])


def test_reciprocity_defaults_to_the_current_year(as_user, year_2025):
    response = as_user("org_admin").get(RECIPROCITY + "?year=nonsense")
    assert response.context["year"] == timezone.localdate().year
    assert response.context["board"].pairs == []
    assert "No collaboration requests were sent in" in html(response)


@pytest.mark.parametrize("user", ["servicepoint", "mediator", "court", "nobody", "enterprise"])
def test_the_reciprocity_board_is_for_members_only(as_user, year_2025, user):
    assert as_user(user).get(RECIPROCITY).status_code == 403


def test_reciprocity_query_count_does_not_grow(as_user, year_2025, alliance):
    client = as_user("superuser")
    with CaptureQueriesContext(connection) as small:
        client.get(RECIPROCITY + "?year=2025")
    for _n in range(20):
        make(
            alliance, "xiamen", "zz_bureau", sent_on=dt.date(2025, 9, 1),
            due_on=dt.date(2025, 9, 8), status=Status.COMPLETED, closed_on=dt.date(2025, 9, 2),
        )  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        response = client.get(RECIPROCITY + "?year=2025")
    assert _pairs(response)[("厦门", "漳州")] == (20, 1, 20, 20)
    assert len(large) == len(small)


# --- language and query counts ------------------------------------------------------------------


def test_pages_render_in_chinese_by_default(client, alliance, three):
    client.force_login(alliance["users"]["partner"])
    for url in (INBOX, OUTBOX, OVERDUE, RECIPROCITY, CREATE, detail(three["zz_to_partner"])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-Hans"' in html(response), url
    page = html(client.get(INBOX))
    assert "漳州请沈阳调证" in page and "漳州市市场监督管理局" in page


def test_inbox_query_count_is_the_same_for_2_and_8_rows(as_user, alliance):
    today = timezone.localdate()

    def add(n: int) -> None:
        for i in range(n):
            obj = make(
                alliance, "partner", "zz_bureau", sent_on=today - dt.timedelta(days=5),
                due_on=today - dt.timedelta(days=i % 2) + dt.timedelta(days=i % 3),
                subject=f"请求{i}",
            )  # fmt: skip
            CollaborationReply.objects.create(
                request=obj, organization=alliance["orgs"]["partner"], body="回复"
            )

    client = as_user("org_admin")
    add(2)
    client.get(INBOX)  # the filter dropdowns' options are kept after the first page
    with CaptureQueriesContext(connection) as two:
        assert len(subjects(client.get(INBOX))) == 2
    add(6)
    with CaptureQueriesContext(connection) as eight:
        response = client.get(INBOX)
    assert len(subjects(response)) == 8
    assert {item.reply_count for item in response.context["object_list"]} == {1}
    assert len(eight) == len(two)


def test_the_menu_offers_collaboration_to_members_of_an_organisation(as_user, alliance):
    page = html(as_user("org_admin").get(reverse("home")))
    assert f'href="{OUTBOX}"' in page and f'href="{CREATE}"' in page
    page = html(as_user("viewer").get(reverse("home")))
    assert f'href="{OVERDUE}"' in page and f'href="{CREATE}"' not in page
    assert f'href="{INBOX}"' not in html(as_user("nobody").get(reverse("home")))
