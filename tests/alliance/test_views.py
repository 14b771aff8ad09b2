"""Directory web pages: content in both languages, scope (404) and permission (403), forms
that keep what the user typed, lists that never fail on bad input, and query-count guards.

The Chinese catalogue is being translated while these tests are written, so zh-hans pages
are checked through ``<html lang="zh-Hans">`` and data (names, numbers), English pages
through their headings and messages."""

from __future__ import annotations

import re
from urllib.parse import quote

import factory
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.models import IntellectualProperty, Membership, Organization, Region
from alliance.selectors import organization_visible_to
from alliance.urls import urlpatterns as directory_urlpatterns
from alliance.validators import patent_check_character
from tests.conftest import make_uscc

Kind = Organization.Kind

ZH = '<html lang="zh-Hans"'
EN = '<html lang="en"'


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"批量企业{n:04d}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(500 + n))
    region = factory.LazyFunction(lambda: _region("350600"))


class TrademarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntellectualProperty

    kind = IntellectualProperty.Kind.TRADEMARK
    number = factory.Sequence(lambda n: f"{70000000 + n}")
    title = factory.Sequence(lambda n: f"批量商标{n:04d}")
    nice_class = 29


def _region(code):
    return Region.objects.get(code=code)


def _html(response) -> str:
    return response.content.decode()


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_user(client, world):
    def login(name):
        client.force_login(world["users"][name])
        return client

    return login


def _detail(world, key="ent_a"):
    return reverse("alliance:organization-detail", args=[world["orgs"][key].pk])


def _edit(world, key="ent_a"):
    return reverse("alliance:organization-update", args=[world["orgs"][key].pk])


# (page id, user, url builder, data shown on the page, English heading)
PAGES = [
    ("home", "org_admin", lambda w: reverse("home"), "漳州市市场监督管理局", "My organisations"),
    (
        "organization-list",
        "mediator",
        lambda w: reverse("alliance:organization-list"),
        "漳州市知识产权纠纷人民调解委员会",
        "Organisations",
    ),
    ("organization-detail", "enterprise", _detail, "漳州甲食品有限公司", "Details"),
    (
        "organization-create",
        "mediator",
        lambda w: reverse("alliance:organization-create"),
        'name="uscc"',
        "New organisation",
    ),
    ("organization-update", "org_admin", _edit, "漳州甲食品有限公司", "Edit 漳州甲食品有限公司"),
    (
        "enterprise-list",
        "clerk",
        lambda w: reverse("alliance:enterprise-list"),
        "厦门乙科技有限公司",
        "Enterprises",
    ),
    ("ip-list", "mediator", lambda w: reverse("alliance:ip-list"), "ZL201710601862.3", "IP rights"),
    (
        "ip-create",
        "mediator",
        lambda w: reverse("alliance:ip-create"),
        "漳州甲食品有限公司",
        "New IP right",
    ),
    ("region-list", "clerk", lambda w: reverse("alliance:region-list"), "北京市", "Regions"),
    (
        "password-change",
        "clerk",
        lambda w: reverse("password_change"),
        'name="old_password"',
        "Change password",
    ),
]
PAGE_IDS = [page[0] for page in PAGES]


def test_every_directory_page_is_in_the_page_table():
    """Collaboration and indicator pages have their own tests (test_collaboration_views.py,
    test_indicators.py) and rows in the authorization matrix
    (tests/cases/test_authorization_matrix.py)."""
    pages = {
        p.name
        for p in directory_urlpatterns
        if not p.name.startswith(("collaboration-", "indicator-"))
    }
    assert pages <= set(PAGE_IDS)


# ---------------------------------------------------------------------------------------------
# Every page in both languages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("page_id", "user", "url", "data", "heading"), PAGES, ids=PAGE_IDS)
def test_page_renders_in_chinese_by_default_with_its_data(
    as_user, world, page_id, user, url, data, heading
):
    response = as_user(user).get(url(world))
    assert response.status_code == 200
    html = _html(response)
    assert ZH in html
    assert data in html
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(("page_id", "user", "url", "data", "heading"), PAGES, ids=PAGE_IDS)
def test_page_renders_in_english_with_the_language_cookie(
    as_user, world, page_id, user, url, data, heading
):
    response = _english(as_user(user)).get(url(world))
    assert response.status_code == 200
    html = _html(response)
    assert EN in html
    assert heading in html
    assert data in html


@pytest.mark.parametrize(("page_id", "user", "url", "data", "heading"), PAGES, ids=PAGE_IDS)
def test_page_stays_chinese_when_the_browser_asks_for_english(
    as_user, world, page_id, user, url, data, heading
):
    response = as_user(user).get(url(world), HTTP_ACCEPT_LANGUAGE="en")
    assert ZH in _html(response)


def test_login_page_renders_in_chinese_for_anonymous_visitors(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    html = _html(response)
    assert response.status_code == 200
    assert ZH in html
    assert 'name="username"' in html
    assert 'name="password"' in html


def test_login_page_renders_in_english_with_the_language_cookie(client):
    response = _english(client).get(reverse("login"))
    html = _html(response)
    assert EN in html
    assert "Log in" in html


def test_language_switch_sets_the_cookie_and_the_next_page_is_english(as_user):
    client = as_user("clerk")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/directory/regions/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/directory/regions/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert EN in _html(client.get("/directory/regions/"))


def test_language_switch_back_to_chinese(as_user):
    client = _english(as_user("clerk"))
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert ZH in _html(client.get("/"))


def test_language_switch_works_before_login(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert EN in _html(client.get(reverse("login")))


def test_page_offers_the_other_language_in_the_switcher(as_user):
    html = _html(as_user("clerk").get("/"))
    assert 'name="language" value="en"' in html
    assert 'name="language" value="zh-hans"' not in html


# ---------------------------------------------------------------------------------------------
# Login required, scope and permission
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("page_id", "user", "url", "data", "heading"), PAGES, ids=PAGE_IDS)
def test_anonymous_visitor_is_redirected_to_login_with_next(
    client, world, page_id, user, url, data, heading
):
    target = url(world)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(target)}"


def test_enterprise_user_gets_404_for_another_enterprise(as_user, world):
    response = as_user("enterprise").get(_detail(world, "ent_b"))
    assert response.status_code == 404
    assert "厦门乙科技有限公司" not in _html(response)


def test_enterprise_user_gets_404_for_editing_another_enterprise(as_user, world):
    assert as_user("enterprise").get(_edit(world, "ent_b")).status_code == 404


def test_user_without_membership_gets_404_for_any_organisation(as_user, world):
    assert as_user("nobody").get(_detail(world, "zz_bureau")).status_code == 404


def test_detail_of_unknown_id_is_404(as_user):
    assert as_user("superuser").get("/directory/organizations/999999/").status_code == 404


def test_enterprise_user_gets_403_on_the_create_page(as_user):
    assert as_user("enterprise").get(reverse("alliance:organization-create")).status_code == 403


def test_enterprise_user_post_to_create_is_refused_and_saves_nothing(as_user, world):
    before = Organization.objects.count()
    response = as_user("enterprise").post(
        reverse("alliance:organization-create"), _enterprise_post(uscc=make_uscc(900))
    )
    assert response.status_code == 403
    assert Organization.objects.count() == before


def test_user_without_membership_gets_403_on_the_ip_create_page(as_user):
    assert as_user("nobody").get(reverse("alliance:ip-create")).status_code == 403


def test_mediator_gets_403_when_editing_its_bureau(as_user, world):
    assert as_user("mediator").get(_edit(world, "zz_bureau")).status_code == 403


def test_detail_shows_edit_link_only_to_those_who_may_change(as_user, world):
    edit = _edit(world, "ent_a")
    assert edit in _html(as_user("org_admin").get(_detail(world, "ent_a")))
    assert edit not in _html(as_user("mediator").get(_detail(world, "ent_a")))


def test_detail_shows_the_ip_rights_and_members_of_the_organisation(as_user, world):
    html = _html(_english(as_user("org_admin")).get(_detail(world, "ent_a")))
    assert "ZL201710601862.3" in html
    assert "一种蜜柚保鲜方法" in html
    # The enterprise's administrator, listed for the bureau admin who manages the enterprise.
    assert re.search(r"<li>enterprise <span[^>]*>Administrator</span></li>", html)


def test_detail_lists_subordinate_organisations(as_user, world):
    html = _html(as_user("clerk").get(_detail(world, "zz_bureau")))
    assert "漳州市知识产权纠纷人民调解委员会" in html
    assert "芗城服务网点" in html


# ---------------------------------------------------------------------------------------------
# Organisation form
# ---------------------------------------------------------------------------------------------


def _enterprise_post(**overrides):
    data = {
        "kind": "enterprise",
        "name": "漳州新企业有限公司",
        "short_name": "新企业",
        "region": "350602",
        "uscc": make_uscc(901, "350602"),
        "contact_name": "张三",
        "phone": "0596-7654321",
    }
    data.update(overrides)
    return data


def test_organisation_form_with_invalid_uscc_shows_the_error_and_keeps_the_input(as_user):
    good = make_uscc(902, "350602")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    before = Organization.objects.count()
    response = _english(as_user("mediator")).post(
        reverse("alliance:organization-create"), _enterprise_post(uscc=bad)
    )
    assert response.status_code == 200
    html = _html(response)
    assert "check character should be" in html
    assert 'value="漳州新企业有限公司"' in html
    assert f'value="{bad}"' in html
    assert 'value="张三"' in html
    assert 'aria-invalid="true"' in html
    assert Organization.objects.count() == before


def test_organisation_form_with_unknown_region_code_names_the_code(as_user):
    before = Organization.objects.count()
    response = _english(as_user("mediator")).post(
        reverse("alliance:organization-create"), _enterprise_post(region="359999")
    )
    assert response.status_code == 200
    assert "There is no region with code 359999" in _html(response)
    assert 'value="359999"' in _html(response)
    assert Organization.objects.count() == before


def test_organisation_form_with_malformed_region_code_explains_the_format(as_user):
    response = _english(as_user("mediator")).post(
        reverse("alliance:organization-create"), _enterprise_post(region="35AB00")
    )
    assert response.status_code == 200
    assert "6 digits" in _html(response)


def test_organisation_form_accepts_a_spaced_lower_case_uscc(as_user):
    uscc = make_uscc(903, "350602")
    spaced = f"{uscc[:4]} {uscc[4:8]} {uscc[8:12]} {uscc[12:]}".lower()
    response = as_user("mediator").post(
        reverse("alliance:organization-create"), _enterprise_post(uscc=spaced)
    )
    assert response.status_code == 302
    assert Organization.objects.get(name="漳州新企业有限公司").uscc == uscc


def test_valid_organisation_form_creates_and_redirects_to_the_detail(as_user, world):
    response = as_user("mediator").post(reverse("alliance:organization-create"), _enterprise_post())
    org = Organization.objects.get(name="漳州新企业有限公司")
    assert response.status_code == 302
    assert response["Location"] == org.get_absolute_url()
    assert org.region.code == "350602"
    assert org.uscc == make_uscc(901, "350602")
    assert org.history.first().history_user == world["users"]["mediator"]


def test_after_create_the_detail_page_says_saved(as_user):
    client = _english(as_user("mediator"))
    response = client.post(reverse("alliance:organization-create"), _enterprise_post(), follow=True)
    html = _html(response)
    assert "Saved." in html
    assert "漳州新企业有限公司" in html


def test_mediator_creating_a_subordinate_service_point_sees_the_refusal(as_user, world):
    response = _english(as_user("mediator")).post(
        reverse("alliance:organization-create"),
        {
            "kind": "service_point",
            "name": "未授权网点",
            "region": "350600",
            "parent": world["orgs"]["zz_bureau"].pk,
        },
    )
    assert response.status_code == 200
    assert "You are not allowed to do this" in _html(response)
    assert not Organization.objects.filter(name="未授权网点").exists()


def test_organisation_form_refuses_a_parent_outside_the_offered_choices(as_user, world):
    response = _english(as_user("mediator")).post(
        reverse("alliance:organization-create"),
        _enterprise_post(parent=world["orgs"]["ent_b"].pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _html(response)
    assert not Organization.objects.filter(name="漳州新企业有限公司").exists()


def test_create_page_preselects_the_kind_from_the_query_string(as_user):
    html = _html(
        as_user("mediator").get(reverse("alliance:organization-create") + "?kind=enterprise")
    )
    assert re.search(r'<option value="enterprise"[^>]*selected', html)


def test_non_superuser_cannot_set_the_joining_date(as_user):
    as_user("mediator").post(
        reverse("alliance:organization-create"),
        _enterprise_post(alliance_joined_on="2024-01-01"),
    )
    assert Organization.objects.get(name="漳州新企业有限公司").alliance_joined_on is None


def test_edit_form_shows_the_current_values(as_user, world):
    html = _html(as_user("org_admin").get(_edit(world, "ent_a")))
    assert f'value="{world["orgs"]["ent_a"].uscc}"' in html
    assert 'value="350602"' in html


def test_edit_form_saves_the_change_and_records_the_actor(as_user, world):
    ent_a = world["orgs"]["ent_a"]
    data = _enterprise_post(
        name=ent_a.name,
        uscc=ent_a.uscc,
        is_key_enterprise="on",
        parent=world["orgs"]["service_point"].pk,
        phone="0596-1111111",
    )
    response = as_user("org_admin").post(_edit(world, "ent_a"), data)
    assert response.status_code == 302
    ent_a.refresh_from_db()
    assert ent_a.phone == "0596-1111111"
    assert ent_a.history.first().history_user == world["users"]["org_admin"]


def test_edit_form_with_invalid_uscc_changes_nothing(as_user, world):
    ent_a = world["orgs"]["ent_a"]
    original = ent_a.uscc
    bad = original[:17] + ("1" if original[17] != "1" else "2")
    response = as_user("org_admin").post(
        _edit(world, "ent_a"), _enterprise_post(name=ent_a.name, uscc=bad)
    )
    assert response.status_code == 200
    ent_a.refresh_from_db()
    assert ent_a.uscc == original


# ---------------------------------------------------------------------------------------------
# IP form
# ---------------------------------------------------------------------------------------------


def _ip_post(world, **overrides):
    data = {
        "owner": world["orgs"]["ent_b"].pk,
        "kind": "invention_patent",
        "number": "201810123456." + patent_check_character("201810123456"),
        "title": "一种茶饮料",
    }
    data.update(overrides)
    return data


def test_ip_form_with_wrong_patent_check_digit_shows_error_on_number(as_user, world):
    right = patent_check_character("201810123456")
    wrong = "201810123456." + ("1" if right != "1" else "2")
    response = _english(as_user("mediator")).post(
        reverse("alliance:ip-create"), _ip_post(world, number=wrong)
    )
    assert response.status_code == 200
    html = _html(response)
    assert f"should be &#x27;{right}&#x27;" in html or f"should be '{right}'" in html
    assert 'id="id_number-error"' in html
    assert f'value="{wrong}"' in html
    assert not IntellectualProperty.objects.filter(title="一种茶饮料").exists()


def test_valid_ip_form_normalises_the_number_and_redirects_to_the_owner(as_user, world):
    number = "201810123456." + patent_check_character("201810123456")
    response = as_user("mediator").post(
        reverse("alliance:ip-create"), _ip_post(world, number=f"ZL {number}")
    )
    ip = IntellectualProperty.objects.get(title="一种茶饮料")
    assert response.status_code == 302
    assert response["Location"] == world["orgs"]["ent_b"].get_absolute_url()
    assert ip.number == number


def test_ip_form_owner_choices_exclude_enterprises_out_of_scope(as_user, world):
    html = _html(as_user("enterprise").get(reverse("alliance:ip-create")))
    assert "漳州甲食品有限公司" in html
    assert "厦门乙科技有限公司" not in html


def test_ip_form_refuses_an_owner_out_of_scope_on_the_owner_field(as_user, world):
    response = _english(as_user("enterprise")).post(
        reverse("alliance:ip-create"),
        _ip_post(world, kind="trademark", number="87654321", owner=world["orgs"]["ent_b"].pk),
    )
    assert response.status_code == 200
    assert 'id="id_owner-error"' in _html(response)
    assert not IntellectualProperty.objects.filter(number="87654321").exists()


def test_ip_create_page_preselects_the_owner(as_user, world):
    owner = world["orgs"]["ent_a"].pk
    html = _html(as_user("mediator").get(reverse("alliance:ip-create") + f"?owner={owner}"))
    assert re.search(rf'<option value="{owner}"[^>]*selected', html)


# ---------------------------------------------------------------------------------------------
# Lists: scope, sorting, pagination, bad input, empty states
# ---------------------------------------------------------------------------------------------

ORG_LIST = "/directory/organizations/"


def test_enterprise_user_list_hides_the_other_enterprise(as_user):
    html = _html(as_user("enterprise").get(ORG_LIST + "?page_size=100"))
    assert "漳州甲食品有限公司" in html
    assert "厦门乙科技有限公司" not in html


def test_enterprise_list_shows_uscc_and_key_badge(as_user, world):
    html = _html(_english(as_user("clerk")).get("/directory/enterprises/"))
    assert world["orgs"]["ent_a"].uscc in html
    assert world["orgs"]["ent_b"].uscc in html
    assert ">key</span>" in html


def test_enterprise_list_search_by_uscc_prefix(as_user, world):
    html = _html(
        as_user("clerk").get("/directory/enterprises/?q=" + world["orgs"]["ent_b"].uscc[:10])
    )
    assert "厦门乙科技有限公司" in html
    assert "漳州甲食品有限公司" not in html


def _row_order(html, names):
    """Where each name appears in the table body (the filter form lists names too)."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [body.index(name) for name in names]


def test_list_sorted_by_name_descending(as_user):
    names = list(
        Organization.objects.filter(kind=Kind.BUREAU)
        .order_by("-name")
        .values_list("name", flat=True)
    )
    html = _html(as_user("superuser").get(ORG_LIST + "?kind=bureau&sort=-name"))
    positions = _row_order(html, names)
    assert positions == sorted(positions)


def test_list_sorted_by_name_ascending(as_user):
    names = list(
        Organization.objects.filter(kind=Kind.BUREAU)
        .order_by("name")
        .values_list("name", flat=True)
    )
    html = _html(as_user("superuser").get(ORG_LIST + "?kind=bureau&sort=name"))
    positions = _row_order(html, names)
    assert positions == sorted(positions)


def test_sort_header_links_to_the_reverse_order(as_user):
    html = _html(as_user("superuser").get(ORG_LIST + "?sort=name"))
    assert 'href="?sort=-name"' in html
    assert "（升序）" in html  # "(sorted ascending)" said to screen readers, not only ▲


def test_list_with_unknown_sort_key_falls_back_to_the_default(as_user):
    response = as_user("superuser").get(ORG_LIST + "?sort=password")
    assert response.status_code == 200
    assert "漳州市市场监督管理局" in _html(response)


def test_page_past_the_end_shows_the_last_page(as_user):
    total = Organization.objects.count()
    pages = -(-total // 25)
    response = _english(as_user("superuser")).get(ORG_LIST + "?page=999")
    html = _html(response)
    assert response.status_code == 200
    assert f"Page {pages} of {pages}" in html
    assert f"of {total}" in html
    assert response.context["page_obj"].number == pages


def test_non_numeric_page_shows_the_first_page(as_user):
    response = _english(as_user("superuser")).get(ORG_LIST + "?page=abc")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


def test_page_size_100_shows_every_row_on_one_page(as_user):
    total = Organization.objects.count()
    response = _english(as_user("superuser")).get(ORG_LIST + "?page_size=100")
    html = _html(response)
    assert f"Showing 1–{total} of {total}" in html
    assert len(response.context["object_list"]) == total
    assert "Page 1 of" not in html


def test_unsupported_page_size_falls_back_to_25(as_user):
    response = as_user("superuser").get(ORG_LIST + "?page_size=100000")
    assert len(response.context["object_list"]) == 25


INVALID_FILTER = "Some filters are not valid"


@pytest.mark.parametrize(
    ("url", "bad", "message"),
    [
        (ORG_LIST, "joined_after=notadate", INVALID_FILTER),
        (ORG_LIST, "kind=castle", INVALID_FILTER),
        (ORG_LIST, "region=999999", INVALID_FILTER),
        (ORG_LIST, "parent=abc", INVALID_FILTER),
        # The enterprise page has its own small search form without the filter errors.
        ("/directory/enterprises/", "region=999999", "Nothing matches these filters."),
        ("/directory/ip-rights/", "granted_before=31.02.2020", INVALID_FILTER),
        ("/directory/ip-rights/", "nice_class=abc", INVALID_FILTER),
        ("/directory/regions/", "level=planet", INVALID_FILTER),
    ],
)
def test_invalid_filter_input_shows_a_message_and_no_rows(as_user, url, bad, message):
    response = _english(as_user("superuser")).get(f"{url}?{bad}")
    assert response.status_code == 200
    html = _html(response)
    assert message in html
    assert len(response.context["object_list"]) == 0
    assert "<tbody>" not in html


def test_invalid_filter_field_shows_its_own_error(as_user):
    html = _html(_english(as_user("superuser")).get(ORG_LIST + "?joined_after=notadate"))
    assert "Enter a valid date." in html


def test_yes_no_filter_keeps_the_chosen_answer_selected(as_user):
    html = _html(as_user("clerk").get(ORG_LIST + "?is_member=true"))
    select = re.search(r'<select name="is_member".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="true"[^>]*selected', select)
    assert not re.search(r'<option value=""[^>]*selected', select)
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "沈阳市市场监督管理局" in rows
    assert "漳州甲食品有限公司" not in rows


def test_list_with_filters_matching_nothing_shows_the_empty_state(as_user):
    html = _html(_english(as_user("clerk")).get(ORG_LIST + "?q=不存在的机构"))
    assert "Nothing matches these filters." in html
    assert "Clear the filters" in html


def test_empty_list_without_filters_shows_the_empty_message(as_user):
    html = _html(_english(as_user("nobody")).get(ORG_LIST))
    assert "No organisations to show." in html


def test_empty_ip_list_shows_its_empty_message(as_user):
    html = _html(_english(as_user("nobody")).get("/directory/ip-rights/"))
    assert "No IP rights recorded." in html


def test_region_list_links_to_the_organisations_of_a_region(as_user):
    html = _html(as_user("clerk").get("/directory/regions/?q=3506"))
    assert f'href="{ORG_LIST}?region=350602"' in html


def test_region_list_counts_only_organisations_the_user_may_see(as_user, world):
    visible = organization_visible_to(world["users"]["enterprise"]).filter(region__code="350200")
    html = _html(as_user("enterprise").get("/directory/regions/?q=350200"))
    link = re.search(rf'href="{ORG_LIST}\?region=350200">(\d+)</a>', html)
    assert link is not None
    assert int(link.group(1)) == visible.count()


def test_ip_list_for_enterprise_user_hides_other_enterprises_rights(as_user):
    html = _html(as_user("enterprise").get("/directory/ip-rights/"))
    assert "ZL201710601862.3" in html
    assert "第12345678号" not in html


def test_ip_list_owner_filter_out_of_scope_is_invalid_for_enterprise_user(as_user, world):
    response = _english(as_user("enterprise")).get(
        f"/directory/ip-rights/?owner={world['orgs']['ent_b'].pk}"
    )
    assert response.status_code == 200
    assert "Some filters are not valid" in _html(response)
    assert len(response.context["object_list"]) == 0


# ---------------------------------------------------------------------------------------------
# Home page and user menu
# ---------------------------------------------------------------------------------------------


def _user_menu(html: str) -> str:
    start = html.index('class="dropdown-menu dropdown-menu-end user-menu"')
    return html[start : html.index("</div>", html.index('class="dropdown-divider"', start))]


def test_user_menu_lists_the_users_organisations_and_roles(as_user, world):
    Membership.objects.create(
        user=world["users"]["mediator"],
        organization=world["orgs"]["zz_bureau"],
        role=Membership.Role.VIEWER,
    )
    menu = _user_menu(_html(_english(as_user("mediator")).get("/")))
    assert "漳州市知识产权纠纷人民调解委员会" in menu
    assert "Mediator" in menu
    assert "漳州市市场监督管理局" in menu
    assert "Viewer" in menu
    assert "沈阳市市场监督管理局" not in menu


def test_user_menu_omits_revoked_memberships(as_user, world):
    Membership.objects.filter(user=world["users"]["clerk"]).update(is_active=False)
    menu = _user_menu(_html(_english(as_user("clerk")).get("/")))
    assert "漳州市市场监督管理局" not in menu
    assert "No organisation yet" in menu


def test_home_page_tells_a_user_without_membership_to_ask_an_admin(as_user):
    html = _html(_english(as_user("nobody")).get("/"))
    assert "does not belong to any organisation yet" in html
    assert "The alliance at a glance" not in html


def test_home_page_counts_only_what_the_user_may_see(as_user):
    response = as_user("enterprise").get("/")
    assert response.context["counts"]["enterprises"] == 1
    assert response.context["ip_count"] == 1


# ---------------------------------------------------------------------------------------------
# Query-count guards (STYLE rule 14)
# ---------------------------------------------------------------------------------------------


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["object_list"])


def test_organisation_list_query_count_does_not_grow_with_rows(as_user, world):
    client = as_user("mediator")
    url = ORG_LIST + "?kind=enterprise&page_size=50"
    EnterpriseFactory.create_batch(3, parent=world["orgs"]["service_point"])
    _queries(client, url)  # the filter dropdowns' options are kept after the first page
    few, rows = _queries(client, url)
    assert rows == 5
    EnterpriseFactory.create_batch(25, parent=world["orgs"]["service_point"])
    many, rows = _queries(client, url)
    assert rows == 30
    assert many == few


def test_enterprise_list_query_count_does_not_grow_with_rows(as_user, world):
    client = as_user("mediator")
    url = "/directory/enterprises/?page_size=50"
    EnterpriseFactory.create_batch(3, parent=world["orgs"]["service_point"])
    _queries(client, url)  # the filter dropdowns' options are kept after the first page
    few, rows = _queries(client, url)
    assert rows == 5
    EnterpriseFactory.create_batch(25)
    many, rows = _queries(client, url)
    assert rows == 30
    assert many == few


def test_ip_list_query_count_does_not_grow_with_rows(as_user, world):
    client = as_user("mediator")
    url = "/directory/ip-rights/?page_size=50"
    TrademarkFactory.create_batch(3, owner=world["orgs"]["ent_a"])
    _queries(client, url)  # the filter dropdowns' options are kept after the first page
    few, rows = _queries(client, url)
    assert rows == 5
    for owner in EnterpriseFactory.create_batch(25):
        TrademarkFactory(owner=owner)
    many, rows = _queries(client, url)
    assert rows == 30
    assert many == few
