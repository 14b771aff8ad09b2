"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms


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
        if form.is_bound and name in form.errors:
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
            widget.attrs["aria-describedby"] = (
                f"{form.auto_id % name}-error" if form.auto_id else ""
            )
    return form


class BootstrapFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def full_clean(self):
        super().full_clean()
        bootstrapify(self)
