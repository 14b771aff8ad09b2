"""Deadline reminders (``cases.reminders.send_reminders`` and ``manage.py send_reminders``):
each kind fires for the right items and people, once, at a cost that does not grow with the
number of items."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance.models import Membership, Organization
from cases import services
from cases.choices import DisputeType, PartyRole
from cases.models import ConfirmationMaterial, CourtReferral
from cases.reminders import KINDS, send_reminders
from tests.cases.conftest import advance, make_case, org_party
from zhangzhou_ip.core.models import Notification

pytestmark = pytest.mark.django_db

User = get_user_model()
Role = Membership.Role
_references = itertools.count(100)

# 2025-06-12 (Thu) + 30 days = 2025-07-12 (Sat) → the window closes on Monday 2025-07-14.
EFFECTIVE = dt.date(2025, 6, 12)
WINDOW_CLOSES = dt.date(2025, 7, 14)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def today(monkeypatch):
    """Set the service clock (``timezone.localdate``)."""
    current = {"date": timezone.localdate()}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: current["date"])

    def set_today(value: dt.date) -> None:
        current["date"] = value

    return set_today


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


def member(username: str, org: Organization, role: str):
    user = User.objects.create_user(username, password="pw-test-123", email=f"{username}@x.test")
    Membership.objects.create(user=user, organization=org, role=role)
    return user


@pytest.fixture
def people(case_world):
    """A liaison of 芗城法院 and an administrator of the committee, besides the world's users
    (``court`` is a liaison of 漳州中院)."""
    return {
        "liaison": member("xc_liaison", court("闽0602"), Role.LIAISON),
        "committee_admin": member("committee_admin", case_world["orgs"]["committee"], Role.ADMIN),
    }


def settled_case(case_world, *, performance_deadline: dt.date | None = None, **fields):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        dispute_type=fields.pop("dispute_type", DisputeType.TRADEMARK_INFRINGEMENT),
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
        **fields,
    )
    case = advance(case, users["clerk"], users["mediator"], "mediating")
    services.agreement_save(
        actor=users["mediator"],
        case=case,
        terms="被申请人赔偿申请人人民币30,000元。",
        amount="30000.00",
        performance_deadline=performance_deadline,
        signed_on=timezone.localdate(),
        effective_on=timezone.localdate(),
    )
    return services.case_settle(actor=users["mediator"], case=case)


def filed_confirmation(case_world, code: str = "闽0602"):
    mediator = case_world["users"]["mediator"]
    case = settled_case(case_world)
    confirmation = services.confirmation_prepare(
        actor=mediator, case=case, court=court(code), joint_application=True
    )
    for kind in ConfirmationMaterial.REQUIRED:
        services.confirmation_material_add(
            actor=mediator,
            confirmation=confirmation,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4 test", "application/pdf"),
        )
    return services.confirmation_file(actor=mediator, confirmation=confirmation)


def delegated_case(case_world, referred_on: dt.date, code: str = "闽0602", n: int = 15):
    users, orgs = case_world["users"], case_world["orgs"]
    referral = services.referral_receive(
        actor=users["clerk"],
        handling_organization=orgs["committee"],
        court=court(code),
        kind=CourtReferral.Kind.DELEGATION,
        court_reference=f"（{referred_on.year}）{code}民诉前调{n}号",
        referred_on=referred_on,
        title=f"委派：商标侵权纠纷{n}",
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
    )
    for party in (
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
    ):
        services.party_add(actor=users["clerk"], case=referral.case, **party)
    advance(referral.case, users["clerk"], users["mediator"], "accepted")
    referral.refresh_from_db()
    return referral


def sent(kind: str) -> dict[str, set[str]]:
    """key → usernames notified, for one kind."""
    result: dict[str, set[str]] = {}
    for key, username in Notification.objects.filter(verb=f"reminder.{kind}").values_list(
        "key", "recipient__username"
    ):
        result.setdefault(key, set()).add(username)
    return result


# --- (a) the confirmation window -------------------------------------------------------------


def test_window_closing_reminds_the_mediators_and_admins_once(case_world, people, today):
    today(EFFECTIVE)
    case = settled_case(case_world)

    assert send_reminders(dt.date(2025, 7, 8))["window_closing"] == 0  # 6 days left
    counts = send_reminders(dt.date(2025, 7, 9))  # 5 days left

    assert counts["window_closing"] == 2
    assert sent("window_closing") == {
        f"confirmation.window_closing:{case.pk}": {"mediator", "committee_admin"}
    }
    notification = Notification.objects.get(recipient__username="mediator")
    assert case.number in notification.title and "2025-07-14" in notification.title
    assert notification.url == case.get_absolute_url()
    assert case.title in notification.body
    # Again, and on the following days: nothing new.
    assert send_reminders(dt.date(2025, 7, 9)) == dict.fromkeys(KINDS, 0)
    assert send_reminders(dt.date(2025, 7, 14))["window_closing"] == 0
    assert Notification.objects.count() == 2


def test_window_closing_counts_a_prepared_application_but_not_a_filed_one(case_world, today):
    today(EFFECTIVE)
    mediator = case_world["users"]["mediator"]
    prepared_case = settled_case(case_world)
    services.confirmation_prepare(
        actor=mediator, case=prepared_case, court=court("闽0602"), joint_application=True
    )
    filed = filed_confirmation(case_world)
    owned = settled_case(case_world, dispute_type=DisputeType.TRADEMARK_OWNERSHIP)
    assert owned.agreement.is_ownership_determination

    send_reminders(dt.date(2025, 7, 10))

    keys = set(sent("window_closing"))
    assert keys == {f"confirmation.window_closing:{prepared_case.pk}"}
    assert f"confirmation.window_closing:{filed.case_id}" not in keys


def test_no_window_reminder_once_the_window_has_closed(case_world, today):
    today(EFFECTIVE)
    settled_case(case_world)
    assert send_reminders(WINDOW_CLOSES + dt.timedelta(days=1))["window_closing"] == 0


# --- (b) the court's clocks ------------------------------------------------------------------


def test_acceptance_overdue_reminds_the_handling_side_and_the_courts_liaisons(
    case_world, people, today
):
    today(dt.date(2025, 6, 16))  # Monday: acceptance due Thursday 2025-06-19
    confirmation = filed_confirmation(case_world)
    assert confirmation.acceptance_due == dt.date(2025, 6, 19)

    assert send_reminders(dt.date(2025, 6, 19))["acceptance_overdue"] == 0
    counts = send_reminders(dt.date(2025, 6, 20))

    assert counts["acceptance_overdue"] == 3
    assert sent("acceptance_overdue") == {
        f"confirmation.acceptance_overdue:{confirmation.pk}:2025-06-19": {
            "mediator",
            "committee_admin",
            "xc_liaison",  # not ``court``, a liaison of another court
        }
    }
    notification = Notification.objects.get(recipient__username="xc_liaison")
    assert confirmation.case.number in notification.title and "2025-06-19" in notification.title
    assert notification.url.startswith("/cases/")
    assert "福建省漳州市芗城区人民法院" in notification.body
    assert send_reminders(dt.date(2025, 6, 21))["acceptance_overdue"] == 0


def test_decision_overdue_reminds_again_after_an_extension(case_world, people, today):
    today(dt.date(2025, 6, 16))
    confirmation = filed_confirmation(case_world)
    today(dt.date(2025, 6, 17))
    confirmation = services.confirmation_accept(
        actor=people["liaison"],
        confirmation=confirmation,
        court_case_number="（2025）闽0602民特7号",
    )
    assert confirmation.decision_due == dt.date(2025, 7, 2)

    assert send_reminders(dt.date(2025, 7, 2))["decision_overdue"] == 0
    assert send_reminders(dt.date(2025, 7, 3))["decision_overdue"] == 3
    assert send_reminders(dt.date(2025, 7, 3))["decision_overdue"] == 0

    today(dt.date(2025, 7, 3))
    confirmation = services.confirmation_extend(actor=people["liaison"], confirmation=confirmation)
    assert send_reminders(dt.date(2025, 7, 4))["decision_overdue"] == 0  # not due any more
    late = confirmation.decision_due + dt.timedelta(days=1)
    assert send_reminders(late)["decision_overdue"] == 3
    assert set(sent("decision_overdue")) == {
        f"confirmation.decision_overdue:{confirmation.pk}:2025-07-02",
        f"confirmation.decision_overdue:{confirmation.pk}:{confirmation.decision_due}",
    }


def test_a_decided_confirmation_is_not_overdue(case_world, people, today):
    today(dt.date(2025, 6, 16))
    confirmation = filed_confirmation(case_world)
    services.confirmation_not_accept(
        actor=people["liaison"], confirmation=confirmation, reason="不属于本院管辖"
    )
    assert send_reminders(dt.date(2025, 7, 30))["acceptance_overdue"] == 0


# --- (c) the court's mediation term ------------------------------------------------------------


def test_term_ending_and_term_ended_alerts(case_world, people, today):
    today(dt.date(2025, 6, 3))
    referral = delegated_case(case_world, dt.date(2025, 6, 3))
    assert referral.term_ends_on == dt.date(2025, 7, 3)

    assert send_reminders(dt.date(2025, 6, 29))["term_ending"] == 0  # 4 days left
    assert send_reminders(dt.date(2025, 6, 30))["term_ending"] == 3
    counts = send_reminders(dt.date(2025, 7, 4))

    assert counts["term_ended"] == 3 and counts["term_ending"] == 0
    assert sent("term_ending") == {
        f"referral.term_ending:{referral.pk}:2025-07-03": {
            "mediator",
            "committee_admin",
            "xc_liaison",
        }
    }
    ended = Notification.objects.get(verb="reminder.term_ended", recipient__username="mediator")
    assert "2025-07-03" in ended.title and "福建省漳州市芗城区人民法院" in ended.title
    assert ended.url.startswith("/cases/")
    assert send_reminders(dt.date(2025, 7, 5)) == dict.fromkeys(KINDS, 0)


def test_no_term_alert_once_the_parties_agreed_or_the_referral_is_closed(case_world, people, today):
    today(dt.date(2025, 6, 3))
    agreed = delegated_case(case_world, dt.date(2025, 6, 3), n=16)
    closed = delegated_case(case_world, dt.date(2025, 6, 3), n=17)
    users = case_world["users"]
    services.session_schedule(
        actor=users["mediator"],
        case=agreed.case,
        starts_at=timezone.now() + dt.timedelta(days=1),
        location="第一调解室",
    )
    case = services.case_start_mediation(actor=users["mediator"], case=agreed.case)
    services.agreement_save(
        actor=users["mediator"],
        case=case,
        terms="停止侵权。",
        signed_on=dt.date(2025, 6, 3),
        effective_on=dt.date(2025, 6, 3),
    )
    services.case_settle(actor=users["mediator"], case=case)
    services.referral_close(actor=users["mediator"], referral=closed, outcome="returned")

    assert send_reminders(dt.date(2025, 7, 4))["term_ended"] == 0


# --- (d) performance -------------------------------------------------------------------------


def test_performance_deadline_passed(case_world, people, today):
    today(EFFECTIVE)
    case = settled_case(case_world, performance_deadline=dt.date(2025, 7, 12))
    settled_case(case_world)  # no deadline: nothing to remind

    assert send_reminders(dt.date(2025, 7, 12))["performance_overdue"] == 0
    assert send_reminders(dt.date(2025, 7, 13))["performance_overdue"] == 2
    assert sent("performance_overdue") == {
        f"agreement.performance_overdue:{case.agreement.pk}:2025-07-12": {
            "mediator",
            "committee_admin",
        }
    }
    # After the two years in which enforcement may be applied for, nothing (CPL art. 250).
    Notification.objects.all().delete()
    assert send_reminders(dt.date(2027, 7, 13))["performance_overdue"] == 0


def test_inactive_users_get_nothing(case_world, people, today):
    today(EFFECTIVE)
    settled_case(case_world)
    User.objects.filter(username="committee_admin").update(is_active=False)
    assert send_reminders(dt.date(2025, 7, 10))["window_closing"] == 1


# --- cost and the command ---------------------------------------------------------------------


def _one_of_each(case_world, n: int) -> None:
    """On 2025-06-16: a settled case (window), a filed application (acceptance), a settled
    case with a performance deadline, a delegation (term) — ``n`` times."""
    for _ in range(n):
        settled_case(case_world, performance_deadline=dt.date(2025, 6, 30))
        filed_confirmation(case_world)
        delegated_case(case_world, dt.date(2025, 6, 16), n=next(_references))


def test_the_number_of_queries_does_not_grow_with_the_number_of_items(case_world, people, today):
    today(dt.date(2025, 6, 16))
    _one_of_each(case_world, 1)
    on = dt.date(2025, 7, 14)  # the window and the term end on 07-16; the rest is overdue
    with CaptureQueriesContext(connection) as few:
        counts = send_reminders(on)
    assert counts["window_closing"] and counts["acceptance_overdue"]
    assert counts["performance_overdue"] and counts["term_ending"]

    _one_of_each(case_world, 3)
    with CaptureQueriesContext(connection) as many:
        more = send_reminders(on)
    assert more["window_closing"] == 3 * counts["window_closing"]
    assert more["term_ending"] == 3 * counts["term_ending"]
    assert len(many) <= len(few)

    with CaptureQueriesContext(connection) as none_new:
        assert sum(send_reminders(on).values()) == 0
    assert len(none_new) < len(few)


def test_the_command_prints_the_counts_per_kind(case_world, people, today):
    today(EFFECTIVE)
    settled_case(case_world)
    out = io.StringIO()

    call_command("send_reminders", "--date", "2025-07-10", stdout=out)

    lines = out.getvalue().splitlines()
    assert "window_closing: 2" in lines
    assert "acceptance_overdue: 0" in lines
    assert [line.split(":")[0] for line in lines[: len(KINDS)]] == list(KINDS)
    assert "2 notifications sent." in lines[-1]
    again = io.StringIO()
    call_command("send_reminders", "--date", "2025-07-10", stdout=again)
    assert "window_closing: 0" in again.getvalue().splitlines()


def test_the_command_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "10/07/2025")


def test_reminders_are_mailed_after_the_commit(
    case_world, people, today, mailoutbox, django_capture_on_commit_callbacks
):
    today(EFFECTIVE)
    settled_case(case_world)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_reminders(dt.date(2025, 7, 10))
        assert mailoutbox == []  # not before the commit
    assert callbacks
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["committee_admin@x.test"]  # the world's mediator has no address
    assert "2025-07-14" in mailoutbox[0].subject
