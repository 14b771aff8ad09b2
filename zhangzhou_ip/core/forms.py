"""Form helpers shared by every app."""

from __future__ import annotations

from types import MethodType
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import RangeWidget

# Widgets whose options ``render_select`` writes itself; subclasses with templates of their
# own (radio buttons, checkboxes) keep Django's rendering.
PLAIN_SELECTS = (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect)


def render_select(
    widget: forms.Select, name: str, value: Any, attrs: dict | None = None, renderer=None
) -> SafeString:
    """The same ``<select>`` Django's templates write, built in Python. Django renders each
    option through two template includes: a filter form with the region, organisation and
    mediator lists spent ~200 ms of a 270 ms case-list page on them (cProfile, 100k cases);
    this takes a few milliseconds for the same options."""
    final_attrs = widget.build_attrs(widget.attrs, attrs)
    if widget.allow_multiple_selected:
        final_attrs["multiple"] = True
    values = widget.format_value(value)  # a list, or one string (NullBooleanSelect)
    selected = {values} if isinstance(values, str) else {str(v) for v in values}
    multiple = widget.allow_multiple_selected
    found = False  # a single select marks only its first matching option, as Django does

    def option(value: Any, label: Any) -> str:
        nonlocal found
        value = "" if value is None else str(value)
        chosen = value in selected and (multiple or not found)
        found = found or chosen
        return (
            f'<option value="{conditional_escape(value)}"{" selected" if chosen else ""}>'
            f"{conditional_escape(label)}</option>"
        )

    parts = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
    for option_value, option_label in widget.choices:
        if isinstance(option_label, (list, tuple)):
            parts.append(format_html('<optgroup label="{}">', option_value))
            parts.extend(option(v, label) for v, label in option_label)
            parts.append("</optgroup>")
        else:
            parts.append(option(option_value, option_label))
    parts.append("</select>")
    return mark_safe("".join(parts))  # every value and label above is escaped


def bootstrapify(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget Bootstrap's class, mark invalid fields and link their errors for
    screen readers (``aria-describedby``)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if type(widget) in PLAIN_SELECTS or isinstance(widget, YesNoAnySelect):
            widget.render = MethodType(render_select, widget)
        classes = widget.attrs.get("class", "")
        if css not in classes:
            widget.attrs["class"] = f"{classes} {css}".strip()
        if isinstance(widget, RangeWidget):
            # Two inputs under one <label> that can point at neither: each gets a name.
            parts = (_("%(field)s from"), _("%(field)s to"))
            for part, sub in zip(parts, widget.widgets, strict=True):
                sub.attrs["aria-label"] = part % {"field": field.label}
        # Read the errors only if validation already ran: triggering it here would validate
        # before subclasses restrict their fields for the user.
        if form.is_bound and form._errors is not None and name in form._errors:
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
            auto_id = form[name].auto_id  # includes a formset's prefix
            widget.attrs["aria-describedby"] = f"{auto_id}-error" if auto_id else ""
    return form


class BootstrapFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def full_clean(self):
        super().full_clean()
        bootstrapify(self)


class YesNoAnySelect(forms.NullBooleanSelect):
    """Django's three-way boolean select, with "Any" instead of "Unknown" for filters."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
