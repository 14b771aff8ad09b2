"""Forms of the court pages: preparing a judicial confirmation, its materials and the court's
decisions, receiving a court's referral, extending and closing it, referring a failed case to
litigation. Forms shape input only; the services (``cases/services/court.py``,
``referrals.py``) apply the rules and their refusals are shown on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import Organization
from cases.choices import DisputeType, MediationKind
from cases.forms.intake import intake_organizations
from cases.forms.sessions import check_agreement_document
from cases.models import ConfirmationMaterial, CourtReferral, JudicialConfirmation, MediationCase
from zhangzhou_ip.core.forms import BootstrapFormMixin

BLANK = [("", "---------")]


def courts() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=Organization.Kind.COURT, is_active=True).order_by(
        "court_code", "name"
    )


class CourtChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}（{obj.court_code}）" if obj.court_code else obj.name


def _date_field(label, *, required: bool = False, help_text=None) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _reason_field(label) -> forms.CharField:
    return forms.CharField(label=label, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def _checked_upload(upload: UploadedFile | None) -> UploadedFile | None:
    """The agreement upload rules (size, extension, content) before anything is stored."""
    if upload:
        check_agreement_document(upload)
    return upload or None


def _upload_help() -> str:
    return _("%(types)s, at most %(limit)s.") % {
        "types": ", ".join(settings.AGREEMENT_DOCUMENT_EXTENSIONS),
        "limit": filesizeformat(settings.AGREEMENT_DOCUMENT_MAX_BYTES),
    }


# --- judicial confirmation ---------------------------------------------------------------------


def default_basis(case: MediationCase) -> str:
    """The service's default: administrative mediation has its own basis (DOMAIN §1.8)."""
    if case.mediation_kind == MediationKind.ADMINISTRATIVE:
        return JudicialConfirmation.Basis.ADMINISTRATIVE
    return JudicialConfirmation.Basis.CPL


class ConfirmationPrepareForm(BootstrapFormMixin, forms.Form):
    """The court is any court of the directory: the page offers the competent ones, and the
    service refuses another with the rule (CPL art. 205) and the competent courts."""

    court = CourtChoiceField(
        label=_("Court"), queryset=Organization.objects.none(), widget=forms.RadioSelect
    )
    joint_application = forms.BooleanField(
        label=_("Both parties apply jointly (or one applies with the other's recorded consent)"),
        required=False,
    )
    joint_application_note = forms.CharField(
        label=_("How the parties applied"), max_length=300, required=False
    )
    basis = forms.ChoiceField(label=_("Legal basis"), choices=JudicialConfirmation.Basis.choices)

    def __init__(self, *args, case: MediationCase, **kwargs):
        kwargs.setdefault("initial", {"basis": default_basis(case)})
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = courts()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "court": data["court"],
            "joint_application": data["joint_application"],
            "joint_application_note": data["joint_application_note"],
            "basis": data["basis"],
        }


class VersionForm(BootstrapFormMixin, forms.Form):
    """An action on a confirmation or referral, with the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def service_kwargs(self) -> dict[str, Any]:
        return {"expected_version": self.cleaned_data["version"]}


class ConfirmationUpdateForm(VersionForm):
    joint_application = forms.BooleanField(
        label=_("Both parties apply jointly (or one applies with the other's recorded consent)"),
        required=False,
    )
    joint_application_note = forms.CharField(
        label=_("How the parties applied"), max_length=300, required=False
    )

    def service_kwargs(self) -> dict[str, Any]:
        return {
            **super().service_kwargs(),
            "joint_application": self.cleaned_data["joint_application"],
            "joint_application_note": self.cleaned_data["joint_application_note"],
        }


class ConfirmationFileForm(VersionForm):
    filed_on = _date_field(_("Filed with the court on"), help_text=_("Leave empty for today."))

    def service_kwargs(self) -> dict[str, Any]:
        return {**super().service_kwargs(), "filed_on": self.cleaned_data["filed_on"]}


class ReasonForm(VersionForm):
    reason = _reason_field(_("Reason"))

    def service_kwargs(self) -> dict[str, Any]:
        return {**super().service_kwargs(), "reason": self.cleaned_data["reason"]}


class ConfirmationAcceptForm(VersionForm):
    court_case_number = forms.CharField(
        label=_("Court case number"),
        max_length=64,
        help_text=_("The court's 民特 number, e.g. （2026）闽0602民特123号."),
    )
    accepted_on = _date_field(_("Accepted on"), help_text=_("Leave empty for today."))

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "court_case_number": data["court_case_number"],
            "accepted_on": data["accepted_on"],
        }


class ConfirmationDecideForm(VersionForm):
    confirmed = forms.TypedChoiceField(
        label=_("Ruling"),
        choices=[
            *BLANK,
            ("1", _("Agreement confirmed valid (裁定调解协议有效)")),
            ("0", _("Application rejected (裁定驳回申请)")),
        ],
        coerce=lambda value: value == "1",
    )
    ruling_on = _date_field(_("Ruling date"), required=True)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the application is rejected."),
    )
    document = forms.FileField(label=_("Ruling (民事裁定书)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _upload_help()

    def clean_document(self) -> UploadedFile | None:
        return _checked_upload(self.cleaned_data.get("document"))

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "confirmed": data["confirmed"],
            "ruling_on": data["ruling_on"],
            "reason": data["reason"],
            "document": data["document"],
        }


class MaterialUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=ConfirmationMaterial.Kind.choices)
    file = forms.FileField(label=_("File"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _upload_help()

    def clean_file(self) -> UploadedFile | None:
        return _checked_upload(self.cleaned_data.get("file"))


# --- referrals ---------------------------------------------------------------------------------


class ReferralReceiveForm(BootstrapFormMixin, forms.Form):
    handling_organization = forms.ModelChoiceField(
        label=_("Handling organisation"), queryset=Organization.objects.none()
    )
    court = CourtChoiceField(label=_("Court"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (CourtReferral.Kind.DELEGATION, CourtReferral.Kind.DELEGATION.label),
            (CourtReferral.Kind.ENTRUSTMENT, CourtReferral.Kind.ENTRUSTMENT.label),
        ],
        initial=CourtReferral.Kind.DELEGATION,
    )
    court_reference = forms.CharField(
        label=_("Court reference number"),
        max_length=64,
        help_text=_(
            "A delegation carries the court's 民诉前调 number, e.g. （2026）闽0602民诉前调12号; "
            "an entrustment the number of the filed case."
        ),
    )
    referred_on = _date_field(_("Referred on"), required=True)
    title = forms.CharField(label=_("Case title"), max_length=200)
    dispute_type = forms.ChoiceField(label=_("Dispute type"), choices=BLANK + DisputeType.choices)
    facts = forms.CharField(
        label=_("Facts and claims"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"referred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        orgs = intake_organizations(user)
        field = self.fields["handling_organization"]
        field.queryset = orgs
        only = list(orgs[:2])
        if len(only) == 1:
            field.initial = only[0].pk
            field.empty_label = None
        self.fields["court"].queryset = courts()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "handling_organization",
                "court",
                "kind",
                "court_reference",
                "referred_on",
                "title",
                "dispute_type",
                "facts",
            )
        }


class ReferralExtendForm(VersionForm):
    days = forms.IntegerField(
        label=_("Extension (days)"),
        min_value=1,
        max_value=CourtReferral.MAX_EXTENSION_DAYS,
        help_text=_("One extension of 1 to 30 days (DOMAIN §4.2)."),
    )
    consent = forms.CharField(
        label=_("How both parties consented"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**super().service_kwargs(), "days": data["days"], "consent": data["consent"]}


class ReferralCloseForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"))
    result = forms.CharField(
        label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    result_on = _date_field(_("Result date"), help_text=_("Leave empty for today."))

    def __init__(self, *args, referral: CourtReferral, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = (
            CourtReferral.INBOUND_OUTCOMES
            if referral.direction == CourtReferral.Direction.INBOUND
            else CourtReferral.OUTBOUND_OUTCOMES
        )
        self.fields["outcome"].choices = BLANK + [(o.value, o.label) for o in allowed]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "outcome": data["outcome"],
            "result": data["result"],
            "result_on": data["result_on"],
        }


class LitigationReferralForm(BootstrapFormMixin, forms.Form):
    court = CourtChoiceField(label=_("Court"), queryset=Organization.objects.none())
    referred_on = _date_field(_("Referred on"), help_text=_("Leave empty for today."))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = courts()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "court": data["court"],
            "referred_on": data["referred_on"] or None,
            "note": data["note"],
        }
