"""``render_input`` and ``render_range`` write exactly what Django's and django-filter's
widget templates write (bootstrapify swaps them in for plain inputs and ranges), byte for
byte, for every input widget the app's forms and filters use, bound and unbound."""

from __future__ import annotations

from types import MethodType

import django_filters
import pytest
from django import forms

from alliance.models import Region
from zhangzhou_ip.core.forms import bootstrapify, render_input, render_range


class Filters(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search")
    amount = django_filters.NumberFilter()
    received = django_filters.DateFromToRangeFilter(label="Received <between>")
    claim = django_filters.RangeFilter()

    class Meta:
        model = Region
        fields: list[str] = []


class Sample(forms.Form):
    text = forms.CharField(required=False, max_length=20)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    number = forms.DecimalField(required=False, max_digits=8, decimal_places=2)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False)
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    search = forms.CharField(required=False, widget=forms.SearchInput)
    phone = forms.CharField(required=False, widget=forms.TelInput)
    flag = forms.BooleanField(required=False)  # a checkbox: keeps its template
    upload = forms.FileField(required=False)  # a file input: keeps its template


SAMPLE_DATA = [
    None,
    {"text": 'a "quoted" <b>&', "number": "12.5", "day": "2024-02-29", "secret": "pw"},
    {"text": "x" * 30, "email": "not-an-email", "number": "abc", "moment": "2024-13-01"},
    {"hidden": "v&<>", "search": "茶业", "phone": "+86 596", "url": "https://x.cn/?a=1&b=2"},
]
FILTER_DATA = [
    None,
    {"q": "<script>", "amount": "3", "received_after": "2024-01-02", "received_before": "x<"},
    {"claim_min": "1", "claim_max": "", "received_before": "2025-12-31"},
]


def django_html(bound) -> str:
    """What the widget's own template renders for this bound field and these attributes."""
    widget = bound.field.widget
    swapped = widget.render
    widget.render = MethodType(type(widget).render, widget)
    try:
        return str(bound)
    finally:
        widget.render = swapped


def forms_under_test():
    for data in SAMPLE_DATA:
        yield bootstrapify(Sample(data))
    for data in FILTER_DATA:
        filterset = Filters(data, queryset=Region.objects.none())
        if filterset.is_bound:
            filterset.is_valid()  # as the list views do: errors mark the widgets
        form = bootstrapify(filterset.form)
        form.fields["received"].widget.widgets[0].input_type = "date"  # as the list views do
        yield form


@pytest.mark.parametrize("form", list(forms_under_test()), ids=lambda f: type(f).__name__)
def test_same_bytes_as_the_templates(form):
    for name in form.fields:
        assert str(form[name]) == django_html(form[name]), name


def test_plain_inputs_and_ranges_are_swapped_and_others_keep_their_templates():
    sample = bootstrapify(Sample())
    assert sample.fields["text"].widget.render.__func__ is render_input
    assert sample.fields["hidden"].widget.render.__func__ is render_input
    assert "render" not in vars(sample.fields["flag"].widget)
    assert "render" not in vars(sample.fields["upload"].widget)
    filters = bootstrapify(Filters(queryset=Region.objects.none()).form)
    assert filters.fields["received"].widget.render.__func__ is render_range
    assert filters.fields["claim"].widget.render.__func__ is render_range


def test_a_widget_with_a_template_of_its_own_keeps_it():
    class Custom(forms.Form):
        text = forms.CharField(widget=forms.TextInput())

    form = Custom()
    form.fields["text"].widget.template_name = "django/forms/widgets/textarea.html"
    bootstrapify(form)
    assert "render" not in vars(form.fields["text"].widget)
    assert "<textarea" in str(form["text"])


def test_values_and_labels_are_escaped():
    form = bootstrapify(Sample({"text": '"><script>alert(1)</script>'}))
    html = str(form["text"])
    assert "<script>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    filters = bootstrapify(Filters(queryset=Region.objects.none()).form)
    received = str(filters["received"])
    assert "Received &lt;between&gt;" in received and "<between>" not in received
