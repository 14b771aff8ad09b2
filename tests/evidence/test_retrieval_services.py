"""Retrieval requests (取证, issue 6 part 7): the services — every transition and refusal,
versions, timeline, notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from evidence import retrieval, services
from evidence.models import RetrievalRequest
from zhangzhou_ip.core.errors import ConflictError, DomainError, PermissionDenied
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


# --- services: request --------------------------------------------------------------------------


def test_request_goes_to_the_enterprises_own_service_point(people, ask):
    request = ask(details="  店铺首页和商品页  ")
    assert request.service_point == people["orgs"]["service_point"]
    assert request.status == Status.REQUESTED
    assert request.version == 0
    assert request.requested_by == people["users"]["enterprise"]
    assert request.details == "店铺首页和商品页"
    assert verbs(request) == ["retrieval.requested"]
    event = request.events.get()
    assert event.actor == people["users"]["enterprise"]
    # The service point's staff are told; the requester is not.
    assert notified("retrieval.requested") == {"servicepoint", "colleague"}
    note = Notification.objects.filter(verb="retrieval.requested").first()
    assert note.url == f"/evidence/retrieval/{request.pk}/"
    assert request.subject in note.title


def test_request_to_a_chosen_service_point(people, ask):
    request = ask(enterprise="ent_b", actor="enterprise_b", service_point="other_point")
    assert request.service_point == people["orgs"]["other_point"]
    assert notified("retrieval.requested") == {"otherpoint"}


def test_request_emails_after_the_commit(
    people, ask, django_capture_on_commit_callbacks, mailoutbox
):
    staff = people["users"]["servicepoint"]
    staff.email = "clerk@point.example"
    staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        ask()
        assert mailoutbox == []
    assert [m.to for m in mailoutbox] == [["clerk@point.example"]]


@pytest.mark.parametrize("actor", ["servicepoint", "mediator", "enterprise_b", "nobody"])
def test_only_the_enterprises_people_request_for_it(people, ask, actor):
    with pytest.raises(PermissionDenied) as exc:
        ask(actor=actor)
    assert exc.value.code == "forbidden"
    assert "漳州甲食品有限公司" in exc.value.messages[0]
    assert not RetrievalRequest.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"enterprise": "ent_b", "actor": "enterprise_b"}, "service_point", "no service point"),
        ({"service_point": "committee"}, "service_point", "not an active service point"),
        ({"target_url": ""}, "target_url", "address of the page"),
        ({"subject": "   "}, "subject", "what should be collected"),
        ({"due_date": dt.date(2020, 1, 1)}, "due_date", "past"),
        ({"target_url": "not a url"}, "target_url", "valid URL"),
    ],
)
def test_request_refusals_name_the_field(people, ask, extra, field, message):
    with pytest.raises(ValidationError) as exc:
        ask(**extra)
    errors = field_errors(exc)
    assert field in errors
    assert message in " ".join(errors[field])
    assert not RetrievalRequest.objects.exists()


def test_superuser_may_request_for_any_enterprise(people, ask):
    request = ask(actor="superuser", enterprise="ent_b", service_point="other_point")
    assert request.enterprise == people["orgs"]["ent_b"]


# --- services: accept ---------------------------------------------------------------------------


def test_accept_assigns_the_actor_by_default(people, ask):
    users = people["users"]
    request = retrieval.accept(actor=users["servicepoint"], request=ask(), expected_version=0)
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    assert request.assignee == users["servicepoint"]
    assert request.version == 1
    assert verbs(request) == ["retrieval.requested", "retrieval.accepted"]
    assert notified("retrieval.accepted") == {"enterprise"}


def test_accept_with_a_colleague_as_assignee_tells_them(people, ask):
    users = people["users"]
    request = retrieval.accept(
        actor=users["servicepoint"], request=ask(), assignee=users["colleague"]
    )
    assert request.assignee == users["colleague"]
    assert notified("retrieval.accepted") == {"enterprise", "colleague"}


@pytest.mark.parametrize("assignee", ["otherpoint", "enterprise", "superuser"])
def test_the_assignee_must_be_staff_of_the_service_point(people, ask, assignee):
    users = people["users"]
    request = ask()
    with pytest.raises(ValidationError) as exc:
        retrieval.accept(actor=users["servicepoint"], request=request, assignee=users[assignee])
    assert "assignee" in field_errors(exc)
    request.refresh_from_db()
    assert request.status == Status.REQUESTED
    assert request.version == 0
    assert verbs(request) == ["retrieval.requested"]


@pytest.mark.parametrize("actor", ["enterprise", "otherpoint", "mediator"])
def test_only_staff_of_the_service_point_accept(people, ask, actor):
    request = ask()
    with pytest.raises(PermissionDenied) as exc:
        retrieval.accept(actor=people["users"][actor], request=request)
    assert exc.value.code == "forbidden"
    request.refresh_from_db()
    assert request.status == Status.REQUESTED


def test_a_stale_version_is_a_conflict(people, ask):
    users = people["users"]
    request = ask()
    retrieval.accept(actor=users["servicepoint"], request=request, expected_version=0)
    with pytest.raises(ConflictError) as exc:
        retrieval.decline(
            actor=users["colleague"], request=request, reason="人手不足", expected_version=0
        )
    assert exc.value.code == "conflict"
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    assert request.version == 1


def test_accepting_twice_is_an_invalid_transition(people, ask):
    users = people["users"]
    request = retrieval.accept(actor=users["servicepoint"], request=ask())
    with pytest.raises(DomainError) as exc:
        retrieval.accept(actor=users["colleague"], request=request)
    assert exc.value.code == "invalid_transition"
    assert "Accepted" in exc.value.messages[0]


# --- services: complete -------------------------------------------------------------------------


def test_complete_hands_over_the_records(people, accepted, deposit):
    users = people["users"]
    first, second = deposit(), deposit(kind="web_capture")
    request = retrieval.complete(
        actor=users["servicepoint"],
        request=accepted,
        records=[first, second],
        outcome=" 已截图并公证 ",
        expected_version=1,
    )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.version == 2
    assert request.outcome == "已截图并公证"
    assert request.closed_at is not None
    assert set(request.records.all()) == {first, second}
    event = request.events.get(verb="retrieval.completed")
    assert first.number in event.note
    assert second.number in event.note
    assert notified("retrieval.completed") == {"enterprise"}


def test_complete_needs_an_accepted_request(people, ask, deposit):
    with pytest.raises(DomainError) as exc:
        retrieval.complete(
            actor=people["users"]["servicepoint"], request=ask(), records=[deposit()]
        )
    assert exc.value.code == "invalid_transition"


def test_complete_needs_at_least_one_record(people, accepted):
    with pytest.raises(ValidationError) as exc:
        retrieval.complete(actor=people["users"]["servicepoint"], request=accepted, records=[])
    assert "at least one" in field_errors(exc)["records"][0]
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_complete_refuses_records_of_another_enterprise(people, accepted, deposit):
    other = deposit(depositor="ent_b")
    with pytest.raises(ValidationError) as exc:
        retrieval.complete(
            actor=people["users"]["servicepoint"], request=accepted, records=[deposit(), other]
        )
    assert field_errors(exc)["records"] == [
        f"{other.number} was not deposited for 漳州甲食品有限公司."
    ]
    assert not accepted.records.exists()
    assert "retrieval.completed" not in verbs(accepted)
    assert not Notification.objects.filter(verb="retrieval.completed").exists()


def test_complete_refuses_records_the_actor_may_not_see(people, accepted, deposit):
    hidden = deposit(
        actor=people["users"]["otherpoint"]
    )  # ent_a's, deposited at another service point
    with pytest.raises(ValidationError) as exc:
        retrieval.complete(
            actor=people["users"]["servicepoint"], request=accepted, records=[hidden]
        )
    assert "not among those you may see" in field_errors(exc)["records"][0]
    assert hidden.number not in field_errors(exc)["records"][0]


def test_complete_refuses_withdrawn_records(people, accepted, deposit):
    record = deposit()
    services.withdraw(actor=people["users"]["servicepoint"], record=record, reason="误存")
    with pytest.raises(ValidationError) as exc:
        retrieval.complete(
            actor=people["users"]["servicepoint"], request=accepted, records=[record]
        )
    assert "withdrawn" in field_errors(exc)["records"][0]


def test_the_enterprise_may_not_complete(people, accepted, deposit):
    with pytest.raises(PermissionDenied):
        retrieval.complete(
            actor=people["users"]["enterprise"], request=accepted, records=[deposit()]
        )


# --- services: decline and cancel ---------------------------------------------------------------


@pytest.mark.parametrize("accept_first", [False, True])
def test_the_service_point_declines_an_open_request(people, ask, accept_first):
    users = people["users"]
    request = ask()
    if accept_first:
        request = retrieval.accept(actor=users["servicepoint"], request=request)
    request = retrieval.decline(actor=users["colleague"], request=request, reason=" 超出服务范围 ")
    request.refresh_from_db()
    assert request.status == Status.DECLINED
    assert request.outcome == "超出服务范围"
    assert request.closed_at is not None
    assert request.events.last().verb == "retrieval.declined"
    assert request.events.last().note == "超出服务范围"
    assert "enterprise" in notified("retrieval.declined")


@pytest.mark.parametrize("name", ["decline", "cancel"])
def test_decline_and_cancel_need_a_reason(people, ask, name):
    actor = people["users"]["servicepoint" if name == "decline" else "enterprise"]
    request = ask()
    with pytest.raises(ValidationError) as exc:
        getattr(retrieval, name)(actor=actor, request=request, reason="  ")
    assert field_errors(exc) == {"reason": ["Give a reason."]}
    request.refresh_from_db()
    assert request.status == Status.REQUESTED
    assert request.version == 0


def test_the_enterprise_may_not_decline(people, ask):
    with pytest.raises(PermissionDenied):
        retrieval.decline(actor=people["users"]["enterprise"], request=ask(), reason="x")


def test_the_enterprise_cancels_and_the_assignee_is_told(people, accepted):
    users = people["users"]
    request = retrieval.cancel(
        actor=users["enterprise"], request=accepted, reason="已和解", expected_version=1
    )
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert request.version == 2
    assert request.outcome == "已和解"
    assert verbs(request) == ["retrieval.requested", "retrieval.accepted", "retrieval.cancelled"]
    assert notified("retrieval.cancelled") == {"servicepoint", "colleague"}


@pytest.mark.parametrize("actor", ["servicepoint", "enterprise_b", "otherpoint"])
def test_only_the_enterprises_people_cancel(people, ask, actor):
    with pytest.raises(PermissionDenied) as exc:
        retrieval.cancel(actor=people["users"][actor], request=ask(), reason="x")
    assert "requesting enterprise" in exc.value.messages[0]


def test_closed_requests_cannot_be_cancelled_or_declined(people, accepted, deposit):
    users = people["users"]
    request = retrieval.complete(actor=users["servicepoint"], request=accepted, records=[deposit()])
    with pytest.raises(DomainError) as exc:
        retrieval.cancel(actor=users["enterprise"], request=request, reason="晚了")
    assert exc.value.code == "invalid_transition"
    with pytest.raises(DomainError) as exc:
        retrieval.decline(actor=users["servicepoint"], request=request, reason="晚了")
    assert exc.value.code == "invalid_transition"
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.version == 2
