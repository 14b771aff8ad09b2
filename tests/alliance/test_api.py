"""Directory REST API (/api/v1/): the same selectors, FilterSets, rules and services as the
web pages; strict query parameters; local OpenAPI docs; query-count guards."""

from __future__ import annotations

import re

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliance.models import IntellectualProperty, Membership, Organization, Region
from alliance.validators import patent_check_character
from tests.conftest import make_uscc

Kind = Organization.Kind

ORGS = "/api/v1/organizations/"


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"接口企业{n:04d}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(700 + n))
    region = factory.LazyFunction(lambda: Region.objects.get(code="350600"))


class TrademarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntellectualProperty

    kind = IntellectualProperty.Kind.TRADEMARK
    number = factory.Sequence(lambda n: f"{60000000 + n}")
    title = factory.Sequence(lambda n: f"接口商标{n:04d}")


@pytest.fixture
def api(world):
    def login(name=None):
        client = APIClient()
        if name is not None:
            client.force_authenticate(world["users"][name])
        return client

    return login


def _names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def _enterprise_payload(**overrides):
    payload = {
        "kind": "enterprise",
        "name": "接口新企业有限公司",
        "region": "350602",
        "uscc": make_uscc(800, "350602"),
    }
    payload.update(overrides)
    return payload


def _wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# ---------------------------------------------------------------------------------------------
# Organisations: list, retrieve, filter, strict parameters
# ---------------------------------------------------------------------------------------------


def test_organisation_list_is_paginated_with_next_links(api):
    response = api("clerk").get(ORGS)
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 25
    assert body["previous"] is None
    names = [row["name"] for row in body["results"]]
    while body["next"]:
        body = api("clerk").get(body["next"]).json()
        names += [row["name"] for row in body["results"]]
    assert len(names) == Organization.objects.count() == len(set(names))


def test_organisation_list_page_size_parameter(api):
    body = api("clerk").get(ORGS, {"page_size": 100}).json()
    assert len(body["results"]) == Organization.objects.count()
    assert body["next"] is None


def test_organisation_list_for_enterprise_user_hides_the_other_enterprise(api):
    names = _names(api("enterprise").get(ORGS, {"kind": "enterprise"}))
    assert names == {"漳州甲食品有限公司"}


def test_organisation_list_is_empty_for_user_without_membership(api):
    body = api("nobody").get(ORGS).json()
    assert body == {"next": None, "previous": None, "results": []}


def test_organisation_retrieve_returns_the_fields(api, world):
    ent_a = world["orgs"]["ent_a"]
    body = api("enterprise").get(f"{ORGS}{ent_a.pk}/").json()
    assert body["name"] == "漳州甲食品有限公司"
    assert body["uscc"] == ent_a.uscc
    assert body["region"] == "350602"
    assert body["parent"] == world["orgs"]["service_point"].pk
    assert body["is_key_enterprise"] is True
    assert body["is_member"] is False


def test_organisation_filter_by_kind(api):
    body = api("clerk").get(ORGS, {"kind": "court", "page_size": 100}).json()
    assert len(body["results"]) == Organization.objects.filter(kind=Kind.COURT).count()
    assert {row["kind"] for row in body["results"]} == {"court"}


def test_organisation_filter_by_region_includes_lower_levels(api):
    names = _names(api("clerk").get(ORGS, {"region": "350000", "kind": "enterprise"}))
    assert names == {"漳州甲食品有限公司", "厦门乙科技有限公司"}


def test_organisation_filter_by_uscc_prefix(api, world):
    names = _names(api("clerk").get(ORGS, {"q": world["orgs"]["ent_b"].uscc[:12]}))
    assert names == {"厦门乙科技有限公司"}


def test_organisation_filter_by_joined_range(api):
    names = _names(api("clerk").get(ORGS, {"joined_after": "2023-01-01"}))
    assert names == {"漳州市市场监督管理局", "沈阳市市场监督管理局"}


def test_unknown_query_parameter_is_a_400_naming_it(api):
    response = api("clerk").get(ORGS, {"knd": "court"})
    assert response.status_code == 400
    assert list(response.json()) == ["knd"]


def test_several_unknown_query_parameters_are_all_named(api):
    response = api("clerk").get(ORGS, {"knd": "court", "nmae": "x", "kind": "court"})
    assert response.status_code == 400
    assert set(response.json()) == {"knd", "nmae"}


def test_invalid_filter_value_is_a_400_on_that_filter(api):
    response = api("clerk").get(ORGS, {"joined_after": "notadate"})
    assert response.status_code == 400
    assert "joined" in response.json()


def test_bad_ordering_is_a_400(api):
    response = api("clerk").get(ORGS, {"ordering": "uscc_check_waived"})
    assert response.status_code == 400
    assert "uscc_check_waived" in response.json()["ordering"][0]


def test_ordering_by_name_descending(api):
    body = api("superuser").get(ORGS, {"ordering": "-name", "kind": "bureau"}).json()
    names = [row["name"] for row in body["results"]]
    expected = list(
        Organization.objects.filter(kind=Kind.BUREAU)
        .order_by("-name")
        .values_list("name", flat=True)
    )
    assert names == expected


def test_anonymous_request_is_refused_with_403_because_session_auth_comes_first(api):
    response = api().get(ORGS)
    assert response.status_code == 403
    assert "detail" in response.json()
    assert "WWW-Authenticate" not in response


def test_invalid_token_is_refused_with_403(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(ORGS)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_out_of_scope_retrieve_is_404(api, world):
    response = api("enterprise").get(f"{ORGS}{world['orgs']['ent_b'].pk}/")
    assert response.status_code == 404


def test_token_authentication_works(world):
    token = Token.objects.create(user=world["users"]["enterprise"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(ORGS, {"kind": "enterprise"})
    assert response.status_code == 200
    assert _names(response) == {"漳州甲食品有限公司"}


def test_api_messages_follow_accept_language(api):
    response = api("clerk").get(ORGS, {"ordering": "bogus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"


# ---------------------------------------------------------------------------------------------
# Organisations: create and update
# ---------------------------------------------------------------------------------------------


def test_mediator_creates_an_enterprise_with_normalised_uscc(api, world):
    uscc = make_uscc(801, "350602")
    response = api("mediator").post(ORGS, _enterprise_payload(uscc=uscc.lower()), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["uscc"] == uscc
    org = Organization.objects.get(pk=body["id"])
    assert org.uscc == uscc
    assert org.history.first().history_user == world["users"]["mediator"]


def test_create_accepts_a_uscc_typed_with_spaces(api):
    uscc = make_uscc(802, "350602")
    spaced = f"{uscc[:4]} {uscc[4:8]} {uscc[8:12]} {uscc[12:]}"
    response = api("mediator").post(ORGS, _enterprise_payload(uscc=spaced), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["uscc"] == uscc


def test_create_with_invalid_uscc_is_a_400_on_uscc(api):
    before = Organization.objects.count()
    bad = _wrong_check(make_uscc(803, "350602"))
    response = api("mediator").post(ORGS, _enterprise_payload(uscc=bad), format="json")
    assert response.status_code == 400
    assert "uscc" in response.json()
    assert Organization.objects.count() == before


def test_create_with_duplicate_uscc_is_a_400_on_uscc(api, world):
    response = api("mediator").post(
        ORGS, _enterprise_payload(uscc=world["orgs"]["ent_a"].uscc), format="json"
    )
    assert response.status_code == 400
    assert "uscc" in response.json()


def test_create_with_unknown_region_code_is_a_400_on_region(api):
    response = api("mediator").post(ORGS, _enterprise_payload(region="359999"), format="json")
    assert response.status_code == 400
    assert "region" in response.json()
    assert not Organization.objects.filter(name="接口新企业有限公司").exists()


def test_create_by_enterprise_user_is_403(api):
    response = api("enterprise").post(ORGS, _enterprise_payload(), format="json")
    assert response.status_code == 403
    assert not Organization.objects.filter(name="接口新企业有限公司").exists()


def test_create_refused_by_the_service_is_403_with_code(api, world):
    response = api("mediator").post(
        ORGS,
        {
            "kind": "service_point",
            "name": "未授权网点",
            "region": "350600",
            "parent": world["orgs"]["zz_bureau"].pk,
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Organization.objects.filter(name="未授权网点").exists()


def test_create_with_an_unknown_parent_is_a_400_on_parent(api):
    response = api("mediator").post(ORGS, _enterprise_payload(parent=999999), format="json")
    assert response.status_code == 400
    assert "parent" in response.json()


def test_patch_by_admin_of_an_ancestor_is_200(api, world):
    ent_a = world["orgs"]["ent_a"]
    response = api("org_admin").patch(
        f"{ORGS}{ent_a.pk}/", {"phone": "0596-2222222"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "0596-2222222"
    ent_a.refresh_from_db()
    assert ent_a.phone == "0596-2222222"
    assert ent_a.history.first().history_user == world["users"]["org_admin"]


def test_patch_by_mediator_is_403_and_changes_nothing(api, world):
    bureau = world["orgs"]["zz_bureau"]
    response = api("mediator").patch(f"{ORGS}{bureau.pk}/", {"phone": "1"}, format="json")
    assert response.status_code == 403
    bureau.refresh_from_db()
    assert bureau.phone == ""


def test_patch_out_of_scope_is_404(api, world):
    response = api("enterprise").patch(
        f"{ORGS}{world['orgs']['ent_b'].pk}/", {"phone": "1"}, format="json"
    )
    assert response.status_code == 404


def test_patch_with_invalid_uscc_is_a_400_and_changes_nothing(api, world):
    ent_a = world["orgs"]["ent_a"]
    original = ent_a.uscc
    response = api("org_admin").patch(
        f"{ORGS}{ent_a.pk}/", {"uscc": _wrong_check(original)}, format="json"
    )
    assert response.status_code == 400
    assert "uscc" in response.json()
    ent_a.refresh_from_db()
    assert ent_a.uscc == original


def test_joining_date_is_read_only_in_the_api(api, world):
    ent_a = world["orgs"]["ent_a"]
    api("org_admin").patch(
        f"{ORGS}{ent_a.pk}/", {"alliance_joined_on": "2024-01-01"}, format="json"
    )
    ent_a.refresh_from_db()
    assert ent_a.alliance_joined_on is None


def test_delete_of_an_organisation_is_not_offered(api, world):
    response = api("superuser").delete(f"{ORGS}{world['orgs']['ent_b'].pk}/")
    assert response.status_code == 405
    assert Organization.objects.filter(pk=world["orgs"]["ent_b"].pk).exists()


# ---------------------------------------------------------------------------------------------
# Regions, enterprises, memberships, IP rights
# ---------------------------------------------------------------------------------------------


def test_regions_list_and_filter_by_parent(api):
    body = api("enterprise").get("/api/v1/regions/", {"parent": "350600", "page_size": 100}).json()
    codes = {row["code"] for row in body["results"]}
    assert "350602" in codes
    assert all(code.startswith("3506") for code in codes)
    assert {row["parent"] for row in body["results"]} == {"350600"}


def test_regions_filter_by_level(api):
    body = api("enterprise").get("/api/v1/regions/", {"level": "province", "page_size": 100}).json()
    assert {row["level"] for row in body["results"]} == {"province"}
    assert "350000" in {row["code"] for row in body["results"]}


def test_regions_reject_unknown_parameter(api):
    response = api("enterprise").get("/api/v1/regions/", {"province": "35"})
    assert response.status_code == 400
    assert "province" in response.json()


def test_regions_are_not_writable(api):
    response = api("superuser").post("/api/v1/regions/", {"code": "350699"}, format="json")
    assert response.status_code == 405


def test_enterprises_endpoint_lists_only_enterprises_in_scope(api):
    assert _names(api("clerk").get("/api/v1/enterprises/")) == {
        "漳州甲食品有限公司",
        "厦门乙科技有限公司",
    }
    assert _names(api("enterprise").get("/api/v1/enterprises/")) == {"漳州甲食品有限公司"}


def test_enterprises_endpoint_filters_key_enterprises(api):
    names = _names(api("clerk").get("/api/v1/enterprises/", {"is_key_enterprise": "true"}))
    assert names == {"漳州甲食品有限公司"}


def test_memberships_list_shows_own_memberships(api):
    body = api("mediator").get("/api/v1/memberships/").json()
    assert [(row["user"], row["role"]) for row in body["results"]] == [("mediator", "mediator")]


def test_memberships_filter_by_role_for_an_admin(api):
    body = api("org_admin").get("/api/v1/memberships/", {"role": "clerk"}).json()
    assert {row["user"] for row in body["results"]} == {"clerk", "servicepoint"}


def test_membership_create_by_admin_is_201(api, world):
    response = api("org_admin").post(
        "/api/v1/memberships/",
        {"user": "nobody", "organization": world["orgs"]["committee"].pk, "role": "viewer"},
        format="json",
    )
    assert response.status_code == 201
    assert Membership.objects.filter(user=world["users"]["nobody"], is_active=True).count() == 1


def test_membership_create_by_mediator_is_403(api, world):
    response = api("mediator").post(
        "/api/v1/memberships/",
        {"user": "nobody", "organization": world["orgs"]["committee"].pk, "role": "admin"},
        format="json",
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=world["users"]["nobody"]).exists()


def test_membership_delete_deactivates_instead_of_deleting(api, world):
    membership = Membership.objects.get(user=world["users"]["clerk"])
    response = api("org_admin").delete(f"/api/v1/memberships/{membership.pk}/")
    assert response.status_code == 204
    membership.refresh_from_db()
    assert membership.is_active is False
    assert membership.history.first().history_user == world["users"]["org_admin"]


def test_membership_delete_by_the_holder_is_403(api, world):
    membership = Membership.objects.get(user=world["users"]["clerk"])
    response = api("clerk").delete(f"/api/v1/memberships/{membership.pk}/")
    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).is_active


def test_membership_of_another_tree_is_404(api, world):
    membership = Membership.objects.get(user=world["users"]["partner"])
    assert api("org_admin").delete(f"/api/v1/memberships/{membership.pk}/").status_code == 404
    assert Membership.objects.get(pk=membership.pk).is_active


def test_ip_rights_list_follows_owner_visibility(api):
    body = api("enterprise").get("/api/v1/ip-rights/").json()
    assert [row["display_number"] for row in body["results"]] == ["ZL201710601862.3"]


def test_ip_rights_filter_by_q_with_zl_prefix(api):
    body = api("clerk").get("/api/v1/ip-rights/", {"q": "ZL201710601862.3"}).json()
    assert [row["number"] for row in body["results"]] == ["201710601862.3"]


def test_ip_rights_filter_by_kind(api):
    body = api("clerk").get("/api/v1/ip-rights/", {"kind": "trademark"}).json()
    assert [row["number"] for row in body["results"]] == ["12345678"]


def test_ip_rights_filter_by_owner_out_of_scope_is_400(api, world):
    response = api("enterprise").get("/api/v1/ip-rights/", {"owner": world["orgs"]["ent_b"].pk})
    assert response.status_code == 400
    assert "owner" in response.json()


def test_ip_create_normalises_the_number(api, world):
    number = "201810123456." + patent_check_character("201810123456")
    response = api("mediator").post(
        "/api/v1/ip-rights/",
        {
            "owner": world["orgs"]["ent_b"].pk,
            "kind": "invention_patent",
            "number": f"ZL {number}",
            "title": "一种茶饮料",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["number"] == number
    assert response.json()["display_number"] == f"ZL{number}"


def test_ip_create_with_invalid_patent_number_is_a_400_on_number(api, world):
    wrong = _wrong_check("201810123456." + patent_check_character("201810123456"))
    response = api("mediator").post(
        "/api/v1/ip-rights/",
        {
            "owner": world["orgs"]["ent_b"].pk,
            "kind": "invention_patent",
            "number": wrong,
            "title": "一种茶饮料",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "number" in response.json()
    assert not IntellectualProperty.objects.filter(title="一种茶饮料").exists()


def test_ip_create_for_an_owner_out_of_scope_is_400_on_owner(api, world):
    response = api("enterprise").post(
        "/api/v1/ip-rights/",
        {
            "owner": world["orgs"]["ent_b"].pk,
            "kind": "trademark",
            "number": "87654321",
            "title": "乙",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "owner" in response.json()


# ---------------------------------------------------------------------------------------------
# OpenAPI schema and documentation pages
# ---------------------------------------------------------------------------------------------


def test_schema_is_openapi_and_documents_the_directory(api):
    response = api("clerk").get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/organizations/",
        "/api/v1/organizations/{id}/",
        "/api/v1/regions/",
        "/api/v1/enterprises/",
        "/api/v1/memberships/",
        "/api/v1/ip-rights/",
    ):
        assert path in schema["paths"], path


def test_schema_documents_the_organisation_filters(api):
    schema = api("clerk").get("/api/v1/schema/", {"format": "json"}).json()
    params = {p["name"] for p in schema["paths"]["/api/v1/organizations/"]["get"]["parameters"]}
    assert {"q", "kind", "region", "is_member", "cursor", "page_size", "ordering"} <= params
    assert "page" not in params


def _script_sources(html: str) -> list[str]:
    return re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_api_docs_page_uses_only_local_static_files(api, url):
    response = api("clerk").get(url)
    assert response.status_code == 200
    html = response.content.decode()
    sources = _script_sources(html)
    assert sources
    # Swagger UI's start-up script comes from the page's own URL (?script), not inline (CSP).
    assert all(src.startswith(("/static/", f"{url}?script")) for src in sources), sources
    assert "cdn.jsdelivr" not in html and "fonts.googleapis" not in html
    starts = [api("clerk").get(src).content.decode() for src in sources if "?script" in src]
    assert "/api/v1/schema/" in html or "/api/v1/schema/" in "".join(starts)


# ---------------------------------------------------------------------------------------------
# Query-count guards (STYLE rule 14)
# ---------------------------------------------------------------------------------------------


def _queries(client, url, params) -> tuple[int, int]:
    # force_authenticate() reuses one user object, which caches its memberships after the
    # first request; warm it up so both measurements see the same per-request work.
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (ORGS, {"kind": "enterprise", "page_size": 50}),
        ("/api/v1/enterprises/", {"page_size": 50}),
    ],
)
def test_organisation_list_endpoints_query_count_does_not_grow(api, world, url, params):
    client = api("mediator")
    EnterpriseFactory.create_batch(3, parent=world["orgs"]["service_point"])
    few, rows = _queries(client, url, params)
    assert rows == 5
    EnterpriseFactory.create_batch(25, parent=world["orgs"]["service_point"])
    many, rows = _queries(client, url, params)
    assert rows == 30
    assert many == few


def test_ip_list_endpoint_query_count_does_not_grow(api, world):
    client = api("mediator")
    TrademarkFactory.create_batch(3, owner=world["orgs"]["ent_a"])
    few, rows = _queries(client, "/api/v1/ip-rights/", {"page_size": 50})
    assert rows == 5
    for owner in EnterpriseFactory.create_batch(25):
        TrademarkFactory(owner=owner)
    many, rows = _queries(client, "/api/v1/ip-rights/", {"page_size": 50})
    assert rows == 30
    assert many == few


def test_membership_list_endpoint_query_count_does_not_grow(api, world, django_user_model):
    client = api("org_admin")
    committee = world["orgs"]["committee"]

    def add(n, start):
        for i in range(start, start + n):
            user = django_user_model.objects.create_user(f"member{i}")
            Membership.objects.create(user=user, organization=committee, role="viewer")

    few, rows = _queries(client, "/api/v1/memberships/", {"page_size": 50})
    add(25, 0)
    many, more_rows = _queries(client, "/api/v1/memberships/", {"page_size": 50})
    assert more_rows == rows + 25
    assert many == few
