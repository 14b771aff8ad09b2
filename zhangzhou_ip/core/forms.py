"""Form helpers shared by every app."""

from __future__ import annotations

import html
from collections.abc import Callable
from types import MethodType
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import DateRangeWidget, RangeWidget

# Widgets whose options ``render_select`` writes itself; subclasses with templates of their
# own (radio buttons, checkboxes) keep Django's rendering.
PLAIN_SELECTS = (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect)
# Widgets whose template is Django's ``input.html`` and nothing else: ``render_input``
# writes them. File inputs and checkboxes have logic of their own and keep their templates.
PLAIN_INPUTS = (
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
)
# django-filter's two-input ranges (``min``-``max``, ``after``-``before``).
PLAIN_RANGES = (RangeWidget, DateRangeWidget)


def _escape(value: Any) -> str:
    """``conditional_escape`` without its lazy-string wrapper (the same text: html.escape
    with quotes is what Django's ``escape`` calls). A select of 365 regions called the
    wrapper twice per option."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attributes(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html``: ``False`` leaves the attribute out, ``True`` writes its bare
    name, anything else ``name="value"``."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict[str, Any]) -> str:
    """Django's ``input.html`` for one widget context (``Widget.get_context()["widget"]``)."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_escape(value)}"'
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
        f"{shown}{_attributes(widget['attrs'])}>"
    )


def render_input(
    widget: forms.Input, name: str, value: Any, attrs: dict | None = None, renderer=None
) -> SafeString:
    """The same ``<input>`` Django's templates write (two template includes per input, ~0.1
    ms each: a third of an evidence list's filter form), built in Python."""
    return mark_safe(_input_html(widget.get_context(name, value, attrs)["widget"]))


def render_range(
    widget: RangeWidget, name: str, value: Any, attrs: dict | None = None, renderer=None
) -> SafeString:
    """django-filter's ``multiwidget.html`` for a range of two plain inputs: the first, the
    two line breaks its template includes after an input, a hyphen, the second."""
    subwidgets = widget.get_context(name, value, attrs)["widget"]["subwidgets"]
    return mark_safe("\n\n-".join(_input_html(sub) for sub in subwidgets))


def _renderer_for(widget: forms.Widget) -> Callable[..., SafeString] | None:
    """The Python renderer that writes ``widget`` exactly as its template would, or ``None``
    to keep the template: only for the plain classes above, and only when nothing changed
    the template (an instance's own ``template_name``)."""
    if "template_name" in vars(widget):
        return None
    if type(widget) in PLAIN_SELECTS or isinstance(widget, YesNoAnySelect):
        return render_select
    if type(widget) in PLAIN_INPUTS:
        return render_input
    if type(widget) in PLAIN_RANGES and all(
        type(sub) in PLAIN_INPUTS and "template_name" not in vars(sub) for sub in widget.widgets
    ):
        return render_range
    return None


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
            f'<option value="{_escape(value)}"{" selected" if chosen else ""}>'
            f"{_escape(label)}</option>"
        )

    parts = [f'<select name="{_escape(name)}"{_attributes(final_attrs)}>']
    for option_value, option_label in widget.choices:
        if isinstance(option_label, (list, tuple)):
            parts.append(f'<optgroup label="{_escape(option_value)}">')
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
        render = _renderer_for(widget)
        if render is not None:
            widget.render = MethodType(render, widget)
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
