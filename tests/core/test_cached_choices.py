"""``cache_model_choices``: a dropdown over a model shows the same options, with the same
selection, whether they come from the database (first page) or from the cache (later
pages), and the field keeps validating against the database."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth import get_user_model

from alliance.models import Region
from zhangzhou_ip.core.forms import bootstrapify
from zhangzhou_ip.core.views import CachedChoices, cache_model_choices


class RegionForm(forms.Form):
    region = forms.ModelChoiceField(
        Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"), required=False
    )
    many = forms.ModelMultipleChoiceField(
        Region.objects.filter(code__startswith="35").order_by("code"), required=False
    )


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("chooser", password="x" * 12)


def rendered(data, user) -> tuple[str, RegionForm]:
    form = bootstrapify(RegionForm(data))
    form.is_valid()
    cache_model_choices(form, user)
    return str(form["region"]) + str(form["many"]), form


def test_options_from_the_cache_render_as_from_the_database(user, regions, settings):
    settings.FILTER_CHOICES_CACHE_SECONDS = 60
    data = {"region": regions["fujian"].pk, "many": [regions["xiamen"].pk]}
    first, _form = rendered(data, user)
    Region.objects.filter(pk=regions["liaoning"].pk).update(name="改名")  # not yet shown
    second, form = rendered(data, user)
    assert isinstance(form.fields["region"].widget.choices, CachedChoices)
    assert second == first
    assert f'<option value="{regions["fujian"].pk}" selected>' in second
    assert f'<option value="{regions["xiamen"].pk}" selected>' in second
    assert "改名" not in second
    provinces = RegionForm.base_fields["region"].queryset.values_list("pk", flat=True)
    expected = ["", *(str(pk) for pk in provinces)]
    assert [value for value, _label in form.fields["region"].widget.choices] == expected


def test_a_cached_list_still_validates_against_the_database(user, regions, settings):
    settings.FILTER_CHOICES_CACHE_SECONDS = 60
    rendered(None, user)  # fills the cache
    _html, form = rendered({"region": regions["zhangzhou"].pk}, user)  # a city: not a choice
    assert "region" in form.errors
    _html, form = rendered({"region": regions["liaoning"].pk}, user)
    assert form.is_valid() and form.cleaned_data["region"] == regions["liaoning"]


def test_without_a_cache_lifetime_the_choices_are_read_live(user, regions, settings):
    settings.FILTER_CHOICES_CACHE_SECONDS = 0
    rendered(None, user)
    Region.objects.filter(pk=regions["liaoning"].pk).update(name="改名")
    html, form = rendered(None, user)
    assert not isinstance(form.fields["region"].widget.choices, CachedChoices)
    assert "改名" in html
