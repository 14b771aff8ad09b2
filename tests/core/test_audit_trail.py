"""The admin's audit trail (``admin:core_audittrail_changelist``, ``zhangzhou_ip/core/audit.py``):
admin changes and service actions with who, when and before → after; filters; the cursor
pages; who may open it; resident ID numbers masked; a constant number of queries per page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance import services as alliance_services
from alliance.models import Membership, Organization, Region
from cases import services
from cases.models import Party
from evidence import retrieval
from evidence import services as evidence_services
from evidence.models import RetrievalRequest
from tests.cases.conftest import person_party
from tests.evidence.conftest import deposit  # noqa: F401 (a fixture)

URL = reverse("admin:core_audittrail_changelist")
ID_NUMBER = "11010519491231002X"  # the third party of the mediating case (case_world)
MASKED_ID = "110105********002X"


@pytest.fixture(autouse=True)
def _english(client):
    # The page in English (the default is Chinese), so labels and Django's messages can be read.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def superuser(client, case_world):
    client.force_login(case_world["users"]["superuser"])
    return client


def _page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def _entries(response, **match):
    return [
        e
        for e in response.context["entries"]
        if all(getattr(e, name) == value for name, value in match.items())
    ]


def _changes(entry) -> dict[str, tuple[str, str]]:
    return {c.field: (c.old, c.new) for c in entry.changes}


def _post_partner_bureau(client, world, **changes):
    """The admin's change form of the partner bureau, as tests/alliance/test_admin.py posts it."""
    bureau = world["orgs"]["partner"]
    data = {
        "kind": "bureau",
        "name": bureau.name,
        "region": bureau.region_id,
        "is_active": "on",
        "alliance_joined_on": "2023-04-26",
        "phone": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": Membership.objects.get(organization=bureau).pk,
        "memberships-0-organization": bureau.pk,
        "memberships-0-user": world["users"]["partner"].pk,
        "memberships-0-role": "mediator",
        "memberships-0-is_active": "on",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        **changes,
    }
    url = reverse("admin:alliance_organization_change", args=[bureau.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return bureau


# --- what the page shows -------------------------------------------------------------------


def test_an_admin_change_to_an_organisation_is_on_the_page_with_before_and_after(
    superuser, case_world
):
    before = timezone.now()
    bureau = _post_partner_bureau(
        superuser, case_world, name="沈阳市知识产权局", phone="024-88888888"
    )
    response = _page(superuser)

    (change,) = _entries(response, source="history:alliance.organization", object_id=str(bureau.pk))
    assert change.user == case_world["users"]["superuser"]
    assert change.at >= before and change.action == "changed"
    assert _changes(change) == {
        "name": ("沈阳市市场监督管理局", "沈阳市知识产权局"),
        "phone": ("—", "024-88888888"),
    }
    (logged,) = _entries(response, kind="admin", object_id=str(bureau.pk))
    assert logged.user == case_world["users"]["superuser"]
    assert "Name" in logged.note and "Phone" in logged.note
    html = response.content.decode()
    assert "沈阳市市场监督管理局" in html and "沈阳市知识产权局" in html and "024-88888888" in html
    assert reverse("admin:alliance_organization_history", args=[bureau.pk]) in html


def test_a_service_action_on_a_case_is_on_the_page_with_before_and_after(superuser, case_world):
    clerk, draft = case_world["users"]["clerk"], case_world["cases"]["draft"]
    services.case_update(actor=clerk, case=draft, title="草稿案件（改）", claim_amount="9000.50")
    response = _page(superuser, object_id=draft.pk)

    history = _entries(response, source="history:cases.mediationcase")
    latest = history[0]
    assert latest.user == clerk and latest.action == "changed"
    assert _changes(latest) == {
        "title": ("草稿案件", "草稿案件（改）"),
        "claim amount (CNY)": ("—", "9000.50"),
    }
    timeline = _entries(response, kind="timeline")
    assert timeline[0].user == clerk and timeline[0].action == "Case details edited"
    assert "claim_amount" in timeline[0].note
    # Newest first across sources: the timeline event follows the save it describes.
    times = [e.at for e in response.context["entries"]]
    assert times == sorted(times, reverse=True)


def test_a_transition_shows_the_status_change_of_the_timeline(superuser, case_world):
    mediator, submitted = case_world["users"]["mediator"], case_world["cases"]["submitted"]
    services.case_assign(actor=mediator, case=submitted, mediator=mediator)
    services.case_accept(actor=mediator, case=submitted)
    response = _page(superuser, object_id=submitted.pk, kind="timeline")
    accepted = response.context["entries"][0]
    assert accepted.user == mediator
    assert _changes(accepted) == {"status": ("Submitted", "Accepted")}
    # The assignment saved only the case's version (not in the history): attributed, and said.
    history = _entries(_page(superuser, object_id=submitted.pk, kind="history"), action="changed")
    assigned = history[1]
    assert assigned.user == mediator and assigned.changes == []
    assert assigned.note == "No recorded field changed."


def test_a_created_row_lists_its_values_and_a_deleted_one_links_nowhere(superuser, case_world):
    clerk, draft = case_world["users"]["clerk"], case_world["cases"]["draft"]
    party = services.party_add(
        actor=clerk, case=draft, **person_party("third_party", name="赵六", phone="13800000000")
    )
    pk = party.pk
    services.party_remove(actor=clerk, party=party)
    entries = _entries(_page(superuser, model="cases.party", object_id=pk), kind="history")
    deleted, created = entries
    assert (deleted.action, created.action) == ("deleted", "created")
    assert deleted.user == clerk and deleted.url == ""
    assert _changes(created)["phone"] == ("—", "13800000000")
    assert _changes(created)["case"] == ("—", str(draft))


def test_an_account_change_shows_rights_and_groups_and_never_the_password(superuser, case_world):
    mediator = case_world["users"]["mediator"]
    mediator.is_staff = True
    mediator.set_password("another-secret-1")
    mediator.save()
    permission = Permission.objects.get(codename="view_audittrail")
    mediator.user_permissions.add(permission)
    entries = _entries(_page(superuser, model="auth.user", object_id=mediator.pk), kind="history")
    assert _changes(entries[1]) == {"staff status": ("no", "yes")}
    assert _changes(entries[0])["user permissions"] == ("—", str(permission))
    html = _page(superuser, model="auth.user").content.decode()
    assert mediator.password not in html


def test_logging_in_writes_no_account_history(client, case_world):
    mediator = case_world["users"]["mediator"]
    rows = mediator.history.count()
    client.force_login(mediator)  # updates last_login
    assert mediator.history.count() == rows


def test_evidence_deposits_withdrawals_and_retrieval_steps_are_on_the_page(
    superuser,
    case_world,
    deposit,  # noqa: F811 (the imported fixture)
):
    users = case_world["users"]
    record = deposit(title="侵权商品页面")
    evidence_services.withdraw(actor=users["superuser"], record=record, reason="重复存证")
    request = retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=case_world["orgs"]["ent_a"],
        service_point=None,
        kind=RetrievalRequest.Kind.WEB_CAPTURE,
        subject="网店截图",
        target_url="https://shop.example.com/item/9",
    )
    retrieval.accept(actor=users["servicepoint"], request=request)

    records = _page(superuser, model="evidence.evidencerecord", object_id=record.pk)
    withdrawn, deposited = records.context["entries"]
    assert (deposited.action, deposited.user) == ("deposited", users["servicepoint"])
    assert deposited.object_repr == f"{record.number} 侵权商品页面"
    assert (withdrawn.action, withdrawn.user, withdrawn.note) == (
        "withdrawn",
        users["superuser"],
        "重复存证",
    )
    steps = _page(superuser, model="evidence.retrievalrequest", q="网店截图").context["entries"]
    assert [(e.action, e.user) for e in steps] == [
        ("accepted", users["servicepoint"]),
        ("new retrieval request", users["enterprise"]),
    ]


# --- resident ID numbers ---------------------------------------------------------------------


def test_party_history_stores_and_shows_the_id_number_masked_only(superuser, case_world):
    mediating = case_world["cases"]["mediating"]
    person = mediating.parties.get(id_number=ID_NUMBER)
    assert set(person.history.values_list("id_number", flat=True)) == {MASKED_ID}
    # Typed into a free-text field as well: masked in the diff.
    services.case_update(
        actor=case_world["users"]["mediator"],
        case=mediating,
        facts=f"第三人身份证号 {ID_NUMBER}，住址漳州。",
    )
    html = (
        _page(superuser).content.decode() + _page(superuser, model="cases.party").content.decode()
    )
    assert ID_NUMBER not in html and ID_NUMBER.lower() not in html
    assert MASKED_ID in html
    assert f"第三人身份证号 {MASKED_ID}" in html


def test_a_changed_id_number_shows_as_a_masked_before_and_after(superuser, case_world):
    clerk, draft = case_world["users"]["clerk"], case_world["cases"]["draft"]
    party = services.party_add(actor=clerk, case=draft, **person_party("third_party"))
    services.party_update(actor=clerk, party=party, id_number="350602199001011235")
    (changed,) = _entries(
        _page(superuser, model="cases.party", object_id=party.pk), action="changed"
    )
    assert _changes(changed) == {"resident ID number": (MASKED_ID, "350602********1235")}
    assert Party.objects.get(pk=party.pk).id_number == "350602199001011235"


# --- filters ---------------------------------------------------------------------------------


def test_filter_by_user(superuser, case_world):
    clerk = case_world["users"]["clerk"]
    entries = _page(superuser, user="clerk").context["entries"]
    assert entries and {e.user for e in entries} == {clerk}


def test_an_unknown_user_is_a_400_with_the_error(superuser, case_world):
    response = superuser.get(URL, {"user": "no-such-user"})
    assert response.status_code == 400
    assert "There is no user with this username." in response.content.decode()
    assert response.context["entries"] == []


def test_filter_by_kind_and_model(superuser, case_world):
    _post_partner_bureau(superuser, case_world, phone="024-1")
    admin_only = _page(superuser, kind="admin").context["entries"]
    assert admin_only and {e.kind for e in admin_only} == {"admin"}
    organisations = _page(superuser, model="alliance.organization").context["entries"]
    assert {e.source for e in organisations} == {"history:alliance.organization", "admin"}
    assert {e.model for e in organisations} == {"organisation"}
    timelines = _page(superuser, kind="timeline", model="cases.mediationcase").context["entries"]
    assert timelines and {e.source for e in timelines} == {"timeline:cases.caseevent"}


def test_filter_by_date_range(superuser, case_world):
    bureau = case_world["orgs"]["partner"]
    old = timezone.make_aware(dt.datetime(2024, 3, 5, 23, 30))
    bureau.history.update(history_date=old)
    LogEntry.objects.all().delete()
    on_the_day = _page(superuser, date_from="2024-03-05", date_to="2024-03-05")
    assert [e.object_id for e in on_the_day.context["entries"]] == [str(bureau.pk)]
    assert _page(superuser, date_from="2024-03-06", date_to="2024-03-31").context["entries"] == []
    assert str(bureau.pk) not in {
        e.object_id
        for e in _page(superuser, date_from="2024-03-06", model="alliance.organization").context[
            "entries"
        ]
    }
    response = superuser.get(URL, {"date_from": "2024-03-06", "date_to": "2024-03-05"})
    assert response.status_code == 400


def test_filter_by_object_id_and_search_by_representation(superuser, case_world):
    mediating = case_world["cases"]["mediating"]
    by_id = _page(superuser, object_id=mediating.pk, model="cases.mediationcase")
    assert {e.object_id for e in by_id.context["entries"]} == {str(mediating.pk)}
    found = _page(superuser, q="调解中", model="cases.mediationcase").context["entries"]
    assert found and {e.object_id for e in found} == {str(mediating.pk)}
    organisations = _page(superuser, q="沈阳").context["entries"]
    assert {
        e.object_repr for e in organisations if e.source.startswith("history:alliance.org")
    } == {"沈阳市市场监督管理局"}


# --- pages -----------------------------------------------------------------------------------


def _edit_bureau(world, times: int) -> Organization:
    """``times`` history rows of the Zhangzhou bureau, each changing a text and a foreign key
    (so every page needs the labels of regions, as the bureau's first row does)."""
    bureau = world["orgs"]["zz_bureau"]
    xiamen, zhangzhou = Region.objects.get(code="350200"), Region.objects.get(code="350600")
    for n in range(times):
        bureau = alliance_services.organization_update(
            actor=world["users"]["superuser"],
            organization=bureau,
            phone=f"0596-{n:04d}",
            region=xiamen if n % 2 == 0 else zhangzhou,
        )
    return bureau


def test_older_pages_follow_the_cursor_without_gaps_or_repeats(superuser, case_world):
    bureau = _edit_bureau(case_world, 60)
    # Half the rows share one timestamp: the cursor still goes past each exactly once.
    same = timezone.now()
    ids = list(bureau.history.values_list("history_id", flat=True))
    bureau.history.filter(history_id__in=ids[::2]).update(history_date=same)
    params = {"model": "alliance.organization", "object_id": bureau.pk, "kind": "history"}
    first = _page(superuser, **params)
    assert len(first.context["entries"]) == 50 and first.context["older_url"]
    second = superuser.get(URL + first.context["older_url"])
    assert second.status_code == 200
    assert second.context["newest_url"] and not second.context["older_url"]
    seen = [e.pk for e in first.context["entries"] + second.context["entries"]]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) == 61


def test_a_tampered_cursor_is_a_400(superuser, case_world):
    response = superuser.get(URL, {"before": "yesterday|x|1"})
    assert response.status_code == 400
    assert "This link to older entries is not valid" in response.content.decode()


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _page(client, **params)
    return len(queries), len(response.context["entries"])


def test_queries_per_page_do_not_grow_with_the_rows(superuser, case_world):
    bureau = case_world["orgs"]["zz_bureau"]
    params = {"model": "alliance.organization", "object_id": bureau.pk}
    _edit_bureau(case_world, 10)
    _page(superuser, **params)  # the content type cache and the session, once
    ten, shown = _queries(superuser, **params)
    assert shown == 11  # the ten changes and the bureau's first row
    _edit_bureau(case_world, 50)
    sixty, shown = _queries(superuser, **params)
    assert shown == 50
    assert sixty == ten


def test_queries_per_page_of_the_whole_trail_do_not_grow_with_the_rows(superuser, case_world):
    _edit_bureau(case_world, 60)  # the page shows 50 of them, the rest of the trail is older
    _page(superuser)
    sixty, shown = _queries(superuser)
    _edit_bureau(case_world, 50)
    hundred_and_ten, shown = _queries(superuser)
    assert shown == 50
    assert hundred_and_ten == sixty


# --- who may open it -------------------------------------------------------------------------


def test_anonymous_and_non_staff_are_sent_to_the_admin_login(client, case_world):
    assert client.get(URL).status_code == 302
    client.force_login(case_world["users"]["org_admin"])
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_permission_are_refused(client, case_world):
    org_admin = case_world["users"]["org_admin"]
    org_admin.is_staff = True
    org_admin.save()
    client.force_login(org_admin)
    assert client.get(URL).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert URL not in index


def test_staff_with_the_permission_read_it_and_find_it_on_the_index(client, case_world):
    auditor = case_world["users"]["org_admin"]
    auditor.is_staff = True
    auditor.save()
    auditor.user_permissions.add(Permission.objects.get(codename="view_audittrail"))
    client.force_login(auditor)
    response = _page(client)
    assert response.context["entries"]
    index = client.get(reverse("admin:index")).content.decode()
    assert URL in index and "Audit trail" in index
    assert client.post(URL).status_code == 405


def test_the_page_has_no_inline_script_or_handler(superuser, case_world):
    html = _page(superuser).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "style=" not in html.split('<div id="content-main">', 1)[1]
