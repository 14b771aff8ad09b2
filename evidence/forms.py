"""Forms of the evidence pages: depositing and withdrawing.

The forms only shape input and limit the choices to what the user may pick; the services
decide (``services.deposit`` checks the permission, the content and the kind again) and their
refusals come back onto the form with :meth:`DepositForm.add_service_error`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alliance.models import Organization
from evidence.models import Category, EvidenceRecord
from evidence.selectors import (
    depositable_enterprises,
    evidence_managed_by,
    point_ids_of,
    service_points,
)
from zhangzhou_ip.core.forms import BootstrapFormMixin

Kind = EvidenceRecord.Kind

# Which kinds use which content field (the page shows only the fields of the chosen kind).
FILE_KINDS = (Kind.FILE, Kind.WEB_CAPTURE)
CAPTURE_FIELDS = ("source_url", "captured_at")

# The field a service refusal is about, by its error code; anything else is a form error.
FIELD_FOR_CODE = {
    "empty_file": "file",
    "capture_type": "file",
    "content_mismatch": "file",
    "file_name": "file",
    "file_required": "file",
    "empty_text": "text",
    "text_too_long": "text",
    "title": "title",
    "source_url": "source_url",
    "captured_at": "captured_at",
    "kind": "kind",
    "category": "category",
    "not_enterprise": "depositor",
    "not_service_point": "service_point",
    "forbidden_point": "service_point",
}

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
]


def add_service_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service refusal on the field it is about, or above the form. Errors about a
    hidden field go above the form, where the user can read them."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            visible = name in form.fields and not form.fields[name].widget.is_hidden
            form.add_error(name if visible else None, errors)
        return
    name = FIELD_FOR_CODE.get(getattr(exc, "code", None) or "")
    if name is None or name not in form.fields or form.fields[name].widget.is_hidden:
        form.add_error(None, exc)
    else:
        form.add_error(name, exc)


class DepositForm(BootstrapFormMixin, forms.Form):
    """A deposit: what it is, for whom, and its content (a file, or text)."""

    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=Kind.choices, initial=Kind.FILE)
    depositor = forms.ModelChoiceField(
        label=_("Depositor (enterprise)"),
        queryset=Organization.objects.none(),
        error_messages={
            "invalid_choice": _("Choose one of the enterprises you may deposit evidence for."),
        },
    )
    service_point = forms.ModelChoiceField(
        label=_("Service point"),
        queryset=Organization.objects.none(),
        help_text=_("The service point at which you deposit this evidence."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the evidence shows and where it comes from."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    file = forms.FileField(
        label=_("File"),
        required=False,
        # The service refuses empty files with its own message; keep one wording.
        allow_empty_file=True,
        help_text=_(
            "Hashed (SHA-256) while it uploads and stored unchanged. A web capture is a "
            "screenshot, a saved page (MHTML) or a HAR network log."
        ),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        # The exact characters typed are deposited and hashed: never strip them.
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    source_url = forms.URLField(
        label=_("Captured URL"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("The address of the page the capture shows."),
    )
    captured_at = forms.DateTimeField(
        label=_("Captured at"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Beijing time. Leave empty if unknown."),
    )
    corrects = forms.ModelChoiceField(
        queryset=EvidenceRecord.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("The record to correct does not exist or you may not correct it.")
        },
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        enterprises = depositable_enterprises(user).order_by("name")
        self.fields["depositor"].queryset = enterprises
        # An enterprise user deposits for their one enterprise: nothing to choose.
        only = list(enterprises[:2])
        self.single_depositor = only[0] if len(only) == 1 else None
        if self.single_depositor is not None:
            self.fields["depositor"].widget = forms.HiddenInput()
            self.initial.setdefault("depositor", self.single_depositor.pk)
        # Staff of several service points say at which one they deposit; everyone else is
        # served by their own point or the enterprise's (the service decides).
        point_ids = point_ids_of(user)
        if len(point_ids) > 1:
            self.fields["service_point"].queryset = (
                service_points().filter(pk__in=point_ids).order_by("name")
            )
        else:
            del self.fields["service_point"]
        self.fields["corrects"].queryset = evidence_managed_by(user)
        # Which kinds a field belongs to (the page's script shows only those fields).
        self.fields["file"].kinds = " ".join(FILE_KINDS)
        self.fields["text"].kinds = Kind.TEXT
        for name in CAPTURE_FIELDS:
            self.fields[name].kinds = Kind.WEB_CAPTURE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in FILE_KINDS and not cleaned.get("file") and "file" not in self.errors:
            self.add_error(
                "file", ValidationError(_("Choose the file to deposit."), code="file_required")
            )
        if kind == Kind.TEXT and not (cleaned.get("text") or "").strip():
            self.add_error(
                "text",
                ValidationError(_("The text is empty; enter the text to deposit."), code="empty"),
            )
        if (
            kind == Kind.WEB_CAPTURE
            and not cleaned.get("source_url")
            and not self.has_error("source_url")
        ):
            self.add_error(
                "source_url",
                ValidationError(_("A web capture needs the captured URL."), code="source_url"),
            )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``services.deposit`` (without the actor)."""
        data = self.cleaned_data
        kind = data["kind"]
        return {
            "depositor": data["depositor"],
            "kind": kind,
            "title": data["title"],
            "category": data["category"],
            "description": data.get("description", ""),
            "upload": data.get("file") if kind in FILE_KINDS else None,
            "text": data.get("text", "") if kind == Kind.TEXT else "",
            "source_url": data.get("source_url", "") if kind == Kind.WEB_CAPTURE else "",
            "captured_at": data.get("captured_at") if kind == Kind.WEB_CAPTURE else None,
            "service_point": data.get("service_point"),
            "corrects": data.get("corrects"),
        }

    add_service_error = add_service_error


class WithdrawForm(BootstrapFormMixin, forms.Form):
    """Why a record is withdrawn: the reason is committed to in the ledger."""

    reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The record stays in the ledger and stays verifiable; the withdrawal is a new "
            "ledger entry that refers to it and cannot be undone."
        ),
    )

    add_service_error = add_service_error
