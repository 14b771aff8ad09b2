"""City IP indicators (issue 7 part 8): the catalogue, constraints, the CSV import (all or
nothing, errors by line, idempotent), who may write, the list page with year-on-year change,
the read-only API and the demo's 2024 figures for Zhangzhou."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from alliance import demo_indicators, indicators, selectors
from alliance.models import Indicator, IndicatorValue, Membership, Region
from zhangzhou_ip.core.errors import DomainError, PermissionDenied

pytestmark = pytest.mark.django_db

SOURCE = "漳州市市场监督管理局（知识产权局）2024年知识产权工作新闻发布会"
HEADER = "code,region_code,year,value,source,source_date\n"
GOOD_CSV = HEADER + (
    "patents_granted,350600,2023,5000,2023年发布会,2024-04-25\n"
    'patents_granted,350600,2024,"5,448",2024年发布会,2025-04-25\n'
    "high_value_invention_patents_per_10k,350600,2024,3.02,2024年发布会,\n"
    "ip_pledge_financing,350200,2024,10.60,厦门发布会,\n"
)


def _indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def _value(code="patents_granted", region="350600", year=2024, value="5448", **extra):
    return IndicatorValue.objects.create(
        indicator=_indicator(code),
        region=Region.objects.get(code=region),
        year=year,
        value=Decimal(value),
        source=extra.pop("source", "发布会"),
        **extra,
    )


def _write_csv(tmp_path, text: str, name: str = "values.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- catalogue and model ------------------------------------------------------------------------


def test_migration_loads_the_twenty_indicators_of_the_press_release_in_both_languages():
    catalogue = Indicator.objects.all()
    assert catalogue.count() == 20
    for indicator in catalogue:
        assert indicator.name and indicator.name_en, indicator.code
        assert indicator.unit and indicator.unit_en, indicator.code
        assert indicator.definition and indicator.definition_en, indicator.code
    money = {"ip_pledge_financing", "gi_credit_lines", "technology_contract_turnover"}
    assert set(Indicator.objects.filter(unit="亿元").values_list("code", flat=True)) == money
    assert _indicator("high_value_invention_patents_per_10k").unit == "件/万人"
    assert _indicator("high_value_invention_patents_per_10k").decimal_places == 2
    assert _indicator("patents_granted").decimal_places == 0


def test_catalogue_loader_is_idempotent_and_restores_a_changed_row():
    indicator = _indicator("gi_trademarks")
    Indicator.objects.filter(pk=indicator.pk).update(name="改错的名称")
    assert indicators.load_indicator_catalogue(Indicator) == 20
    assert _indicator("gi_trademarks").name == "地理标志证明商标"
    before = list(Indicator.objects.order_by("pk").values_list())
    indicators.load_indicator_catalogue(Indicator)
    assert list(Indicator.objects.order_by("pk").values_list()) == before


def test_one_value_per_indicator_region_and_year():
    _value()
    with pytest.raises(IntegrityError), transaction.atomic():
        _value(value="1")
    _value(year=2023)  # another year is fine
    _value(region="350200")  # and another region


def test_database_refuses_a_negative_value():
    with pytest.raises(IntegrityError), transaction.atomic():
        _value(value="-1")


def test_clean_refuses_more_decimals_than_the_indicator_counts_in():
    obj = IndicatorValue(
        indicator=_indicator("high_tech_enterprises"),
        region=Region.objects.get(code="350600"),
        year=2024,
        value=Decimal("893.5"),
        source="x",
    )
    with pytest.raises(ValidationError) as exc:
        obj.full_clean()
    assert "at most 0 decimal places" in str(exc.value.message_dict["value"])
    obj.indicator = _indicator("high_value_invention_patents_per_10k")
    obj.value = Decimal("3.02")
    obj.full_clean()


def test_value_is_displayed_with_the_indicators_decimals_and_thousands():
    assert _value(value="177200").display_value == "177,200"
    assert _value(code="ip_pledge_financing", value="10.6").display_value == "10.60"


def test_year_on_year_change_and_percentage():
    assert indicators.year_on_year(Decimal("5448"), Decimal("5000")) == (
        Decimal("448"),
        Decimal("9.0"),
    )
    assert indicators.year_on_year(Decimal("5"), None) == (None, None)
    assert indicators.year_on_year(Decimal("5"), Decimal("0")) == (Decimal("5"), None)


# --- CSV import ------------------------------------------------------------------------------


def test_command_imports_a_good_file(tmp_path):
    path = _write_csv(tmp_path, GOOD_CSV)
    call_command("import_indicators", str(path), stdout=(out := _Out()))
    assert "4 rows: 4 new, 0 updated, 0 unchanged" in out.text
    value = IndicatorValue.objects.get(
        indicator__code="patents_granted", region__code="350600", year=2024
    )
    assert value.value == Decimal("5448")
    assert value.source == "2024年发布会"
    assert value.source_date == dt.date(2025, 4, 25)
    assert value.entered_by is None
    assert IndicatorValue.objects.get(indicator__code="ip_pledge_financing").value == Decimal(
        "10.60"
    )


def test_command_reports_bad_rows_by_line_and_imports_nothing(tmp_path):
    text = HEADER + (
        "patents_granted,350600,2024,5448,发布会,\n"  # line 2: fine
        "no_such_indicator,350600,2024,1,发布会,\n"  # line 3
        "patents_granted,999999,2024,1,发布会,\n"  # line 4
        "patents_granted,350600,20x4,-5,,2025-13-01\n"  # line 5: four problems
        "high_tech_enterprises,350600,2024,893.5,发布会,\n"  # line 6
        "patents_granted,350600,2024,1,发布会,\n"  # line 7 repeats line 2
    )
    path = _write_csv(tmp_path, text)
    with pytest.raises(CommandError) as exc:
        call_command("import_indicators", str(path))
    message = str(exc.value)
    assert "nothing imported" in message
    assert "Line 2:" not in message
    assert "Line 3: unknown indicator code “no_such_indicator”." in message
    assert "Line 4: there is no region with code “999999”." in message
    assert "Line 5: the year “20x4” is not a year" in message
    assert "Line 5: the value cannot be negative." in message
    assert "Line 5: the source is missing." in message
    assert "Line 5: the source date “2025-13-01” is not a date" in message
    assert "Line 6: 高新技术企业 takes at most 0 decimal places." in message
    assert "Line 7: repeats line 2 (same indicator, region and year)." in message
    assert IndicatorValue.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = _write_csv(tmp_path, GOOD_CSV)
    first = indicators.import_indicator_values(path.read_bytes())
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    before = list(IndicatorValue.objects.order_by("pk").values_list())
    second = indicators.import_indicator_values(path.read_bytes())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert list(IndicatorValue.objects.order_by("pk").values_list()) == before


def test_reimport_with_a_corrected_value_updates_only_that_row(tmp_path):
    indicators.import_indicator_values(GOOD_CSV)
    corrected = GOOD_CSV.replace('"5,448"', "5449")
    result = indicators.import_indicator_values(corrected)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert IndicatorValue.objects.get(
        indicator__code="patents_granted", year=2024
    ).value == Decimal("5449")


def test_import_accepts_excels_byte_order_mark_and_rejects_other_encodings(tmp_path):
    result = indicators.import_indicator_values(("\ufeff" + GOOD_CSV).encode("utf-8"))
    assert result.created == 4
    with pytest.raises(ValidationError, match="not UTF-8"):
        indicators.import_indicator_values(GOOD_CSV.encode("gb18030"))


def test_import_names_missing_columns_and_refuses_an_empty_file():
    with pytest.raises(ValidationError, match="missing columns source, source_date"):
        indicators.import_indicator_values("code,region_code,year,value\n")
    with pytest.raises(ValidationError, match="no data rows"):
        indicators.import_indicator_values(HEADER)


def test_dry_run_checks_but_writes_nothing(tmp_path):
    path = _write_csv(tmp_path, GOOD_CSV)
    call_command("import_indicators", str(path), "--dry-run", stdout=(out := _Out()))
    assert "would import 4 rows" in out.text
    assert IndicatorValue.objects.count() == 0


def test_command_reports_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_indicators", str(tmp_path / "missing.csv"))


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "zhangzhou", "xiamen"),
    [
        ("superuser", True, True),
        ("org_admin", True, False),  # admin of the Zhangzhou bureau: its own region only
        ("clerk", False, False),
        ("mediator", False, False),
        ("partner", False, False),
        ("court", False, False),
        ("servicepoint", False, False),
        ("enterprise", False, False),  # admin, but of an enterprise
        ("nobody", False, False),
    ],
)
def test_who_may_write_a_value(world, user, zhangzhou, xiamen):
    actor = world["users"][user]
    ours, theirs = _value(region="350600"), _value(region="350200")
    assert actor.has_perm("alliance.change_indicatorvalue", ours) is zhangzhou
    assert actor.has_perm("alliance.add_indicatorvalue", ours) is zhangzhou
    assert actor.has_perm("alliance.change_indicatorvalue", theirs) is xiamen
    assert actor.has_perm("alliance.add_indicatorvalue") is zhangzhou  # "may add any?"
    assert actor.has_perm("alliance.delete_indicatorvalue", ours) is (user == "superuser")
    assert actor.has_perm("alliance.import_indicatorvalue") is (user == "superuser")
    assert actor.has_perm("alliance.change_indicator", ours.indicator) is (user == "superuser")
    writable = set(selectors.indicator_value_writable_by(actor))
    assert (ours in writable) is zhangzhou
    assert (theirs in writable) is xiamen


@pytest.mark.parametrize("user", ["superuser", "clerk", "partner", "court", "enterprise"])
def test_every_member_may_read_and_others_not(world, user):
    value = _value()
    actor = world["users"][user]
    assert actor.has_perm("alliance.view_indicatorvalue", value)
    assert value in selectors.indicator_value_visible_to(actor)
    assert selectors.indicator_visible_to(actor).count() == 20
    nobody = world["users"]["nobody"]
    assert not nobody.has_perm("alliance.view_indicatorvalue", value)
    assert not selectors.indicator_value_visible_to(nobody).exists()


def test_a_revoked_bureau_admin_loses_write_access(world):
    actor = world["users"]["org_admin"]
    value = _value()
    assert actor.has_perm("alliance.change_indicatorvalue", value)
    Membership.objects.filter(user=actor).update(is_active=False)
    selectors.clear_membership_cache(actor)
    assert not actor.has_perm("alliance.change_indicatorvalue", value)


def test_service_refuses_a_bureau_admin_for_another_region(world):
    with pytest.raises(PermissionDenied):
        indicators.indicator_value_create(
            actor=world["users"]["org_admin"],
            indicator=_indicator("patents_granted"),
            region=Region.objects.get(code="350200"),
            year=2024,
            value=Decimal("1"),
            source="x",
        )
    assert IndicatorValue.objects.count() == 0


def test_service_records_who_entered_and_refuses_a_second_value(world):
    actor = world["users"]["org_admin"]
    fields = {
        "indicator": _indicator("patents_granted"),
        "region": Region.objects.get(code="350600"),
        "year": 2024,
        "value": Decimal("5448"),
        "source": SOURCE,
    }
    value = indicators.indicator_value_create(actor=actor, **fields)
    assert value.entered_by == actor
    with pytest.raises(DomainError, match="already recorded; edit that value instead"):
        indicators.indicator_value_create(actor=actor, **fields)
    with pytest.raises(DomainError, match="cannot be changed: year"):
        indicators.indicator_value_update(actor=actor, indicator_value=value, year=2023)


def test_import_by_a_user_needs_the_import_permission(world):
    with pytest.raises(PermissionDenied):
        indicators.import_indicator_values(GOOD_CSV, actor=world["users"]["org_admin"])
    result = indicators.import_indicator_values(GOOD_CSV, actor=world["users"]["superuser"])
    assert result.created == 4
    assert {v.entered_by for v in IndicatorValue.objects.all()} == {world["users"]["superuser"]}


# --- pages ----------------------------------------------------------------------------------------


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def test_list_shows_year_on_year_change_when_the_previous_year_exists(en, world):
    _value(year=2023, value="5000")
    _value(year=2024, value="5448")
    _value(code="gi_trademarks", year=2024, value="156")  # no 2023 value
    en.force_login(world["users"]["clerk"])
    response = en.get(reverse("alliance:indicator-list"), {"year": 2024, "region": "350600"})
    assert response.status_code == 200
    rows = {row.indicator.code: row for row in response.context["object_list"]}
    assert set(rows) == {"patents_granted", "gi_trademarks"}
    assert rows["patents_granted"].previous_value == Decimal("5000")
    assert rows["patents_granted"].change_pct == Decimal("9.0")
    assert rows["gi_trademarks"].previous_value is None
    html = response.content.decode()
    assert "5,448" in html
    assert "+448" in html
    assert "+9.0%" in html
    assert response.context["years"] == [2024, 2023]
    assert not response.context["can_add"]  # a clerk reads only
    assert reverse("alliance:indicator-value-create") not in html


def test_list_filters_by_region_and_shows_an_empty_state(en, world):
    _value(region="350600")
    _value(region="350200")
    en.force_login(world["users"]["org_admin"])
    response = en.get(reverse("alliance:indicator-list"), {"region": "350200"})
    assert [v.region.code for v in response.context["object_list"]] == ["350200"]
    assert [v.can_edit for v in response.context["object_list"]] == [False]
    response = en.get(reverse("alliance:indicator-list"), {"year": 1990})
    assert response.status_code == 200
    assert "Nothing matches these filters." in response.content.decode()
    response = en.get(reverse("alliance:indicator-list"), {"year": "abc"})
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []


def test_list_renders_in_chinese_by_default(client, world):
    _value()
    client.force_login(world["users"]["partner"])
    html = client.get(reverse("alliance:indicator-list")).content.decode()
    assert '<html lang="zh-Hans"' in html
    assert "新增专利授权量" in html
    assert "5,448" in html


def test_list_is_for_alliance_members(client, world):
    client.force_login(world["users"]["nobody"])
    assert client.get(reverse("alliance:indicator-list")).status_code == 403


def test_bureau_admin_records_a_value_through_the_form(en, world):
    en.force_login(world["users"]["org_admin"])
    url = reverse("alliance:indicator-value-create")
    assert en.get(url).status_code == 200
    data = {
        "indicator": _indicator("patents_granted").pk,
        "region": "350600",
        "year": 2024,
        "value": "5448",
        "source": SOURCE,
        "source_date": "",
    }
    response = en.post(url, data)
    assert response.status_code == 302
    value = IndicatorValue.objects.get()
    assert (value.value, value.entered_by) == (Decimal("5448"), world["users"]["org_admin"])
    response = en.post(url, data)  # the same figure again
    assert response.status_code == 200
    assert "already recorded" in response.content.decode()
    response = en.post(url, data | {"region": "350200"})  # another city's figure
    assert response.status_code == 200
    assert "You are not allowed to do this" in response.content.decode()
    assert IndicatorValue.objects.count() == 1


def test_form_reports_too_many_decimals_on_the_value_field(en, world):
    en.force_login(world["users"]["superuser"])
    response = en.post(
        reverse("alliance:indicator-value-create"),
        {
            "indicator": _indicator("high_tech_enterprises").pk,
            "region": "350600",
            "year": 2024,
            "value": "893.5",
            "source": "x",
        },
    )
    assert response.status_code == 200
    assert "at most 0 decimal places" in str(response.context["form"].errors["value"])
    assert not IndicatorValue.objects.exists()


def test_edit_page_changes_the_value_but_not_the_key(en, world):
    value = _value(value="5000")
    en.force_login(world["users"]["org_admin"])
    url = reverse("alliance:indicator-value-edit", args=[value.pk])
    response = en.post(
        url,
        {
            "indicator": _indicator("gi_trademarks").pk,  # disabled: ignored
            "region": "350200",
            "year": 2020,
            "value": "5448",
            "source": SOURCE,
            "source_date": "2025-04-25",
        },
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.indicator.code, value.region.code, value.year) == (
        "patents_granted",
        "350600",
        2024,
    )
    assert (value.value, value.source_date) == (Decimal("5448"), dt.date(2025, 4, 25))


@pytest.mark.parametrize("user", ["clerk", "partner", "enterprise"])
def test_readers_may_not_open_the_forms(client, world, user):
    value = _value()
    client.force_login(world["users"][user])
    assert client.get(reverse("alliance:indicator-value-create")).status_code == 403
    edit = reverse("alliance:indicator-value-edit", args=[value.pk])
    assert client.get(edit).status_code == 403
    assert client.get(reverse("alliance:indicator-import")).status_code == 403


def test_bureau_admin_may_not_edit_another_regions_value_or_import(client, world):
    value = _value(region="350200")
    client.force_login(world["users"]["org_admin"])
    edit = reverse("alliance:indicator-value-edit", args=[value.pk])
    assert client.get(edit).status_code == 403
    assert client.get(reverse("alliance:indicator-import")).status_code == 403


def test_superuser_imports_through_the_upload_form(en, world):
    en.force_login(world["users"]["superuser"])
    url = reverse("alliance:indicator-import")
    bad = SimpleUploadedFile("v.csv", (HEADER + "nope,350600,2024,1,x,\n").encode())
    response = en.post(url, {"file": bad})
    assert response.status_code == 200
    assert "Line 2: unknown indicator code “nope”." in response.content.decode()
    assert not IndicatorValue.objects.exists()
    good = SimpleUploadedFile("v.csv", GOOD_CSV.encode())
    response = en.post(url, {"file": good}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("alliance:indicator-list")
    assert "Imported 4 rows: 4 new" in response.content.decode()
    assert IndicatorValue.objects.count() == 4


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture
def api(world):
    def login(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(world["users"][name])
        return client

    return login


def test_api_lists_the_catalogue_and_retrieves_by_code(api):
    response = api("partner").get("/api/v1/indicators/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 20
    response = api("partner").get("/api/v1/indicators/high_value_invention_patents_per_10k/")
    assert response.json()["unit"] == "件/万人"
    assert response.json()["name_en"] == "High-value invention patents per 10 000 people"


def test_api_filters_values_and_gives_the_year_on_year_change(api):
    _value(year=2023, value="5000")
    _value(year=2024, value="5448")
    _value(region="350200", year=2024, value="9000")
    _value(code="gi_trademarks", year=2024, value="156")
    client = api("court")
    response = client.get(
        "/api/v1/indicator-values/",
        {"year": 2024, "region": "350600", "indicator": "patents_granted"},
    )
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["indicator"] == "patents_granted"
    assert row["region"] == "350600"
    assert Decimal(row["value"]) == Decimal("5448")
    assert Decimal(row["previous_value"]) == Decimal("5000")
    assert Decimal(row["change_percent"]) == Decimal("9.0")
    assert len(client.get("/api/v1/indicator-values/", {"year": 2024}).json()["results"]) == 3
    assert client.get("/api/v1/indicator-values/", {"bogus": 1}).status_code == 400


def test_api_shows_nothing_to_a_user_without_membership(api):
    value = _value()
    client = api("nobody")
    assert len(client.get("/api/v1/indicator-values/").json()["results"]) == 0
    assert client.get(f"/api/v1/indicator-values/{value.pk}/").status_code == 404
    assert len(client.get("/api/v1/indicators/").json()["results"]) == 0


def test_api_is_read_only(api):
    client = api("superuser")
    assert client.post("/api/v1/indicator-values/", {}).status_code == 405
    assert client.post("/api/v1/indicators/", {}).status_code == 405


# --- demo -----------------------------------------------------------------------------------------


DEMO_2024 = {
    "patents_granted": "5448",
    "invention_patents_granted": "655",
    "high_value_invention_patents_per_10k": "3.02",
    "trademarks_registered": "12838",
    "valid_trademarks": "177200",
    "gi_trademarks": "156",
    "copyright_registrations": "85823",
    "ip_demonstration_enterprises": "146",
    "high_tech_enterprises": "893",
    "specialised_smes": "241",
    "little_giant_enterprises": "25",
    "enterprise_technology_centres": "60",
    "gi_exhibition_halls": "26",
    "ip_pledge_financing": "10.60",  # 1.06 billion yuan, in 亿元
    "ip_pledge_financed_enterprises": "52",
    "gi_credit_lines": "100",  # 10 billion yuan
    "patent_transfers_licences": "888",
    "patent_product_filings": "1125",
    "patents_revitalised": "1432",
    "technology_contract_turnover": "2",  # 200 million yuan
}


def test_demo_loads_zhangzhous_2024_figures_exactly_and_idempotently():
    assert demo_indicators.load() == {"indicator_values": 20}
    values = IndicatorValue.objects.filter(region__code="350600", year=2024)
    assert {v.indicator.code: v.value for v in values} == {
        code: Decimal(text) for code, text in DEMO_2024.items()
    }
    assert {v.source for v in values} == {SOURCE}
    before = list(IndicatorValue.objects.order_by("pk").values_list())
    demo_indicators.load()
    assert list(IndicatorValue.objects.order_by("pk").values_list()) == before


def test_every_demo_value_passes_model_validation():
    demo_indicators.load()
    for value in IndicatorValue.objects.all():
        value.full_clean()


# --- admin ------------------------------------------------------------------------------------


def test_admin_changelists_filter_by_year_region_and_indicator(client, world):
    value = _value()
    client.force_login(world["users"]["superuser"])
    changelist = reverse("admin:alliance_indicatorvalue_changelist")
    response = client.get(changelist, {"year": 2024})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert client.get(changelist, {"year": 2023}).context["cl"].result_count == 0
    response = client.get(changelist, {"region__id__exact": value.region_id})
    assert response.context["cl"].result_count == 1
    edit = reverse("admin:alliance_indicatorvalue_change", args=[value.pk])
    assert client.get(edit).status_code == 200
    indicator = reverse("admin:alliance_indicator_change", args=[value.indicator_id])
    assert client.get(indicator).status_code == 200
    assert client.get(reverse("admin:alliance_indicator_changelist")).status_code == 200


def test_admin_offers_a_bureau_admin_only_its_own_region_and_records_the_entry(client, world):
    user = world["users"]["org_admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    add = reverse("admin:alliance_indicatorvalue_add")
    data = {
        "indicator": _indicator("patents_granted").pk,
        "year": 2024,
        "value": "5448",
        "source": SOURCE,
    }
    response = client.post(add, data | {"region": Region.objects.get(code="350200").pk})
    assert response.status_code == 200  # not a valid choice for this user
    assert "region" in response.context["adminform"].form.errors
    response = client.post(add, data | {"region": Region.objects.get(code="350600").pk})
    assert response.status_code == 302
    assert IndicatorValue.objects.get().entered_by == user
    other = _value(region="350200")
    change = reverse("admin:alliance_indicatorvalue_change", args=[other.pk])
    assert client.post(change, data | {"region": other.region_id}).status_code == 403
