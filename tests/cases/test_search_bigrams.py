"""A two-character search term finds exactly the cases whose number, title, party names or
rights contain it, ignoring case (issue 9; decision 0020 §18). On PostgreSQL such a term
reads the stored ``search_bigrams`` columns instead of ``icontains``; here every two-character
piece of every text in the database, and some that occur nowhere, is searched and compared
with the plain Python answer. On SQLite the same test checks ``icontains``."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from cases import services
from cases.choices import PartyRole
from cases.filters import MediationCaseFilterSet
from cases.models import MediationCase
from cases.selectors import case_list
from tests.cases.conftest import make_case, person_party
from tests.search_helpers import found_in, two_character_pieces

pytestmark = pytest.mark.django_db


def _search(user, term: str) -> set[int]:
    """The case list's search as ``user`` runs it: over the cases the user sees."""
    request = RequestFactory().get("/cases/", {"q": term})
    request.user = user
    filterset = MediationCaseFilterSet({"q": term}, queryset=case_list(user), request=request)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def _texts() -> dict[int, list[str]]:
    """Every case's searchable texts, read plainly."""
    texts: dict[int, list[str]] = {}
    for case in MediationCase.objects.prefetch_related("parties", "rights"):
        texts[case.pk] = [case.number, case.title]
        texts[case.pk] += [party.name for party in case.parties.all()]
        texts[case.pk] += [t for r in case.rights.all() for t in (r.number, r.description)]
    return texts


@pytest.fixture
def tea_cases(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    tea = make_case(
        users["clerk"], orgs["committee"], title="Ab茶业商行诉漳州某某店铺商标侵权纠纷（𥻗米）",
        parties=[person_party(PartyRole.RESPONDENT, name="王茶业")],
    )  # fmt: skip
    services.right_add(
        actor=users["clerk"], case=tea, kind="trademark", description="铁观音茶叶 ÉTÉ 包装"
    )
    shop = make_case(
        users["clerk"], orgs["committee"], title="网络店铺外观设计纠纷",
        parties=[person_party(PartyRole.APPLICANT, name="陈店长", id_number="350602199001011235")],
    )  # fmt: skip
    return {**case_world, "tea": tea, "shop": shop}


def test_every_two_character_piece_finds_exactly_the_cases_that_contain_it(tea_cases):
    superuser = tea_cases["users"]["superuser"]
    texts = _texts()
    pieces = two_character_pieces(value for values in texts.values() for value in values)
    # lower case of a mixed piece, pieces found nowhere, and one across two parties' names
    terms = sorted(pieces | {"b茶", "été"[:2], "茶水", "纠葛", "茶陈"})
    assert len(terms) > 60
    for term in terms:
        assert _search(superuser, term) == found_in(texts, term), term
    assert _search(superuser, "店铺") == {tea_cases["tea"].pk, tea_cases["shop"].pk}
    assert _search(superuser, "茶业") == {tea_cases["tea"].pk}  # title and party name
    assert _search(superuser, "茶叶") == {tea_cases["tea"].pk}  # the right's description
    assert _search(superuser, "茶陈") == set()


def test_a_renamed_case_and_party_are_found_by_their_new_names_only(tea_cases):
    users = tea_cases["users"]
    shop = tea_cases["shop"]
    services.case_update(actor=users["clerk"], case=shop, title="蜜柚包装纠纷")
    party = shop.parties.get()
    services.party_update(actor=users["clerk"], party=party, name="林蜜柚")
    assert _search(users["superuser"], "店铺") == {tea_cases["tea"].pk}
    assert _search(users["superuser"], "陈店") == set()
    assert _search(users["superuser"], "蜜柚") == {shop.pk}
    assert _search(users["superuser"], "林蜜") == {shop.pk}


def test_two_character_search_keeps_to_the_cases_the_user_sees(tea_cases):
    users = tea_cases["users"]
    # the partner bureau's user sees none of the committee's tea cases
    assert _search(users["partner"], "茶业") == set()
    assert _search(users["partner"], "沈阳") == {tea_cases["cases"]["partner"].pk}


def test_two_character_search_through_subqueries(tea_cases, monkeypatch):
    """Past ``ID_LIST_LIMIT`` matching parties or rights the ids stay a subquery, where
    the party and right tables get aliases of their own (on SQLite, always)."""
    from zhangzhou_ip.core import lookups

    monkeypatch.setattr(lookups, "ID_LIST_LIMIT", 0)
    superuser, tea = tea_cases["users"]["superuser"], tea_cases["tea"]
    assert _search(superuser, "王茶") == {tea.pk}  # a party's name only
    assert _search(superuser, "茶叶") == {tea.pk}  # a right's description only
    assert _search(superuser, "店铺") == {tea.pk, tea_cases["shop"].pk}
