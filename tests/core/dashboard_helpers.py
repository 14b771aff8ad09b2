"""Helpers of the dashboard tests (``test_dashboards*.py``): the home page's panels, their
figures and rows, the list a figure opens, and hand-built court and evidence items."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from alliance.models import Organization
from cases.choices import DisputeType, PartyRole
from cases.models import JudicialConfirmation, MediationCase
from evidence import services as evidence_services
from evidence.models import Category
from tests.cases.conftest import advance, make_case, org_party

CS = JudicialConfirmation.Status
HOME = reverse("home")


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


def at_today(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute)))


def home(client, user, language: str = "en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def panels(response, key: str) -> list:
    return [p for p in response.context["panels"] if p.key == key]


def the_panel(response, key: str):
    (panel,) = panels(response, key)
    return panel


def figures(panel) -> dict[str, int]:
    return {f.key: f.value for f in panel.figures}


def rows(panel, key: str) -> list[str]:
    (row_list,) = [rl for rl in panel.lists if rl.key == key]
    return [row.title for row in row_list.rows]


def opened(client, url: str) -> tuple[int, set[int]]:
    """(row count, ids of the first page's rows) of the list a figure links to."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "cl" in context:  # a Django admin changelist
        return context["cl"].result_count, {o.pk for o in context["cl"].result_list}
    if url.startswith(reverse("cases:court-desk")):
        page = context["c_page"] if "c_status=" in url else context["r_page"]
        return page.paginator.count, {o.pk for o in page.object_list}
    assert not context["filter"].form.errors, (url, context["filter"].form.errors)
    return context["paginator"].count, {o.pk for o in context["object_list"]}


def assert_links_agree(client, response) -> int:
    """Every figure with a list opens that list with exactly as many rows; returns how many
    links were opened."""
    checked = 0
    for panel in response.context["panels"]:
        for figure in panel.figures:
            if figure.url and figure.value:
                count, _ids = opened(client, figure.url)
                assert count == figure.value, (panel.key, figure.key, figure.url)
                checked += 1
    return checked


def text(world, name: str, depositor: str = "ent_a", actor: str = "servicepoint"):
    return evidence_services.deposit(
        actor=world["users"][actor],
        depositor=world["orgs"][depositor],
        kind="text",
        title=name,
        category=Category.LISTING,
        text=name,
    )


def settled(world, title: str) -> MediationCase:
    users, orgs = world["users"], world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title=title,
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    return advance(case, users["clerk"], users["mediator"], "settled")


def filed_at(confirmation: JudicialConfirmation, due: dt.date, court_code: str) -> None:
    """Hand-built: the application as filed with ``court_code``, acceptance due on ``due``."""
    JudicialConfirmation.objects.filter(pk=confirmation.pk).update(
        status=CS.FILED,
        court=court(court_code),
        filed_on=due - dt.timedelta(days=3),
        acceptance_due=due,
    )
