"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def bootstrapify(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget Bootstrap's class, mark invalid fields and link their errors for
    screen readers (``aria-describedby``)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        classes = widget.attrs.get("class", "")
        if css not in classes:
            widget.attrs["class"] = f"{classes} {css}".strip()
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
