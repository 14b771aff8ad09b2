"""The FilterSet's dropdowns come from the user's scope and never list outsiders."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from cases.filters import MediationCaseFilterSet
from cases.models import MediationCase

pytestmark = pytest.mark.django_db


def _filterset(user, **params):
    request = RequestFactory().get("/cases/", params)
    request.user = user
    return MediationCaseFilterSet(params, queryset=MediationCase.objects.all(), request=request)


def _choices(user, name: str) -> set[str]:
    field = _filterset(user).form.fields[name]
    return {str(obj) if not hasattr(obj, "username") else obj.username for obj in field.queryset}


def test_mediator_choices_follow_the_cases_the_user_sees(case_world):
    users = case_world["users"]
    # The bureau's admin sees the committee's cases, so may filter by its mediators.
    assert {"mediator", "mediator2"} <= _choices(users["org_admin"], "mediator")
    assert "partner" not in _choices(users["org_admin"], "mediator")
    # The partner city sees neither the Zhangzhou cases nor their mediators.
    assert _choices(users["partner"], "mediator") == {"partner"}
    assert _choices(users["nobody"], "mediator") == set()


def test_handling_organisation_choices_are_those_of_visible_cases(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    assert _choices(users["clerk"], "handling_organization") == {orgs["committee"].name}
    assert _choices(users["partner"], "handling_organization") == {orgs["partner"].name}


def test_a_mediator_outside_the_scope_is_a_form_error_not_an_empty_list(case_world):
    users = case_world["users"]
    filterset = _filterset(users["partner"], mediator=users["mediator"].pk)
    assert not filterset.is_valid()
    assert "mediator" in filterset.errors


def test_q_matches_number_title_party_uscc_and_right_number(case_world):
    from cases import services

    users, orgs = case_world["users"], case_world["orgs"]
    submitted = case_world["cases"]["submitted"]
    services.right_add(
        actor=users["clerk"], case=submitted, kind="design_patent", number="ZL202230123456.2"
    )
    qs = MediationCase.objects.filter(handling_organization=orgs["committee"])

    def found(q: str) -> set[str]:
        filterset = _filterset(users["clerk"], q=q)
        assert filterset.is_valid()
        return set(filterset.filter_queryset(qs).values_list("title", flat=True))

    assert found(submitted.number) == {"已提交案件"}
    assert found("调解中") == {"调解中案件"}
    assert found("张三") == {"调解中案件"}  # the natural-person party
    assert found(orgs["ent_b"].uscc.lower()) == {"已提交案件", "调解中案件"}
    assert found("2022301234562") == {"已提交案件"}  # patent number without ZL and dot
    assert found("不存在的案件") == set()
