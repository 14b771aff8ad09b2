"""Session and agreement forms. Times are entered and shown in Asia/Shanghai
(settings.TIME_ZONE); the uploaded agreement document is checked (size, extension, content)
before any service sees it, so a refused file is never stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cases.choices import OWNERSHIP_DISPUTES, SessionOutcome
from cases.models import Agreement, MediationCase, MediationSession
from zhangzhou_ip.core.forms import BootstrapFormMixin
from zhangzhou_ip.core.uploads import check_document

BLANK = [("", "---------")]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label, *, required: bool) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Beijing time (Asia/Shanghai)."),
    )


def _date_field(label, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SessionScheduleForm(BootstrapFormMixin, forms.Form):
    starts_at = _datetime_field(_("Starts at"), required=True)
    ends_at = _datetime_field(_("Ends at"), required=False)
    location = forms.CharField(label=_("Room / place"), required=False, max_length=200)
    online_link = forms.URLField(
        label=_("Online meeting link"), required=False, assume_scheme="https"
    )
    attendees = forms.CharField(
        label=_("Attendees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: parties, agents, mediators."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        no_place = not data.get("location") and not data.get("online_link")
        if no_place and "online_link" not in self.errors:
            self.add_error(
                None,
                ValidationError(
                    _("Enter a room or place, or an online meeting link (one is required)."),
                    code="no_place",
                ),
            )
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error(
                "ends_at",
                ValidationError(_("The session must end after it starts."), code="order"),
            )
        return data


class SessionRecordForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=BLANK + SessionOutcome.choices)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}))
    attendees = forms.CharField(
        label=_("Attendees"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, session: MediationSession | None = None, **kwargs):
        if session is not None:
            kwargs.setdefault(
                "initial",
                {
                    "outcome": session.outcome,
                    "minutes": session.minutes,
                    "attendees": session.attendees,
                },
            )
        super().__init__(*args, **kwargs)


# The signed agreement's scan is checked like every uploaded document.
check_agreement_document = check_document


class AgreementForm(BootstrapFormMixin, forms.Form):
    terms = forms.CharField(
        label=_("Terms"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The agreed content, the manner and time limit of performance."),
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Non-negative, at most two decimal places."),
    )
    performance_deadline = _date_field(_("Performance deadline"))
    signatories = forms.CharField(
        label=_("Signatories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Parties, agents and the mediator who signed, one per line."),
    )
    signed_on = _date_field(_("Signed on"))
    effective_on = _date_field(_("Effective on"))
    is_ownership_determination = forms.BooleanField(
        label=_("The agreement determines who owns an IP right (确权)"),
        required=False,
        help_text=_(
            "Courts do not accept applications to confirm agreements whose content determines "
            "the ownership of real or IP rights (DOMAIN §1.6); such agreements cannot be "
            "judicially confirmed. Pre-set for ownership disputes."
        ),
    )
    document = forms.FileField(
        label=_("Signed document"),
        required=False,
        help_text=_("Scan of the signed agreement: PDF, JPEG or PNG."),
    )

    def __init__(self, *args, case: MediationCase, agreement: Agreement | None = None, **kwargs):
        if agreement is not None:
            initial = {
                name: getattr(agreement, name)
                for name in (
                    "terms",
                    "amount",
                    "performance_deadline",
                    "signatories",
                    "signed_on",
                    "effective_on",
                    "is_ownership_determination",
                )
            }
        else:
            # The rule of services.agreement_save for a new agreement.
            initial = {"is_ownership_determination": case.dispute_type in OWNERSHIP_DISPUTES}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _(
            "Scan of the signed agreement: %(types)s, at most %(limit)s."
        ) % {
            "types": ", ".join(settings.AGREEMENT_DOCUMENT_EXTENSIONS),
            "limit": filesizeformat(settings.AGREEMENT_DOCUMENT_MAX_BYTES),
        }

    def clean_document(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("document")
        if upload:
            check_agreement_document(upload)
        return upload or None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        signed: dt.date | None = data.get("signed_on")
        effective: dt.date | None = data.get("effective_on")
        deadline: dt.date | None = data.get("performance_deadline")
        if effective and not signed:
            self.add_error(
                "signed_on",
                ValidationError(
                    _("An agreement takes effect only once signed: enter the signing date."),
                    code="unsigned",
                ),
            )
        if signed and effective and effective < signed:
            self.add_error(
                "effective_on",
                ValidationError(
                    _("The agreement cannot take effect before it is signed."), code="order"
                ),
            )
        if signed and deadline and deadline < signed:
            self.add_error(
                "performance_deadline",
                ValidationError(
                    _("The performance deadline cannot be before the signing date."),
                    code="order",
                ),
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "terms",
                "amount",
                "performance_deadline",
                "signatories",
                "signed_on",
                "effective_on",
                "is_ownership_determination",
            )
        }
        if data.get("document"):
            fields["document"] = data["document"]
        return fields
