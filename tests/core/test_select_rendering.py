"""``render_select`` writes the same HTML as Django's select templates (bootstrapify swaps it
in for plain selects), only faster."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from alliance.models import Region
from zhangzhou_ip.core.forms import YesNoAnySelect, bootstrapify, render_select

CHOICES = [
    ("", "---------"),
    ("a", "Apple <b>&"),
    ("Fruit & veg", [("b", "Banana"), ("c", 'C "quoted"')]),
    (3, "Three"),
]


class Sample(forms.Form):
    single = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    flag = forms.NullBooleanField(required=False)
    any_flag = forms.NullBooleanField(required=False, widget=YesNoAnySelect)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False)


DATA = [
    {},
    {"single": "a", "many": ["b", "3"], "flag": "true", "any_flag": "false"},
    {"single": "c", "many": ["a"], "flag": "false", "any_flag": "unknown"},
    {"single": "missing<", "many": ["zz"], "flag": "nonsense"},
]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("name", ["single", "many", "flag", "any_flag"])
def test_same_html_as_django(data, name):
    django_form = Sample(data or None)
    fast_form = bootstrapify(Sample(data or None))
    assert fast_form.fields[name].widget.render.__func__ is render_select  # swapped in
    expected = str(django_form[name].as_widget(attrs={"class": "form-select"}))
    actual = str(fast_form[name])
    assert parse_html(actual) == parse_html(expected)
    assert "<b>" not in actual  # labels are escaped


def test_radio_buttons_keep_their_template():
    form = bootstrapify(Sample({"radio": "a"}))
    assert "render" not in vars(form.fields["radio"].widget)
    assert 'type="radio"' in str(form["radio"])


@pytest.mark.django_db
def test_model_choices_render_their_primary_keys_and_labels():
    region = Region.objects.order_by("pk").first() or Region.objects.create(
        code="350600", name="漳州市", level=Region.Level.CITY
    )

    class RegionForm(forms.Form):
        region = forms.ModelChoiceField(Region.objects.order_by("pk"), required=False)

    expected = str(RegionForm({"region": region.pk})["region"])
    html = str(bootstrapify(RegionForm({"region": region.pk}))["region"])
    assert f'<option value="{region.pk}" selected>{region}</option>' in html
    assert parse_html(html) == parse_html(
        expected.replace("<select name", '<select class="form-select" name')
    )
