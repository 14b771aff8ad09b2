"""Intake forms: the case facts, a party (enterprise picked or registered inline, or a natural
person) and a right in dispute. Forms validate shape and identifiers (USCC, resident ID,
right numbers by kind) so every error is shown next to its field; the services re-check
and write (STYLE rule 4)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from alliance import selectors as alliance_selectors
from alliance.forms import RegionCodeField
from alliance.models import IntellectualProperty, Membership, Organization
from alliance.validators import (
    normalize_identifier_for_ip_kind,
    normalize_resident_id,
    normalize_uscc,
    validate_identifier_for_ip_kind,
    validate_resident_id,
    validate_uscc,
)
from cases.choices import DisputeType, MediationKind, PartyKind, PartyRole, Source
from cases.rules import HANDLING_KINDS
from zhangzhou_ip.core.forms import BootstrapFormMixin

BLANK = [("", "---------")]
INTAKE_ROLES = (Membership.Role.ADMIN, Membership.Role.MEDIATOR, Membership.Role.CLERK)
_USCC_TOKEN = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def intake_organizations(user) -> QuerySet[Organization]:
    """Organisations the user may open cases for: bureaus, committees and protection centres
    where they are an administrator, mediator or clerk (all of them for platform admins)."""
    qs = Organization.objects.filter(kind__in=HANDLING_KINDS, is_active=True).order_by("name")
    if user.is_superuser:
        return qs
    return qs.filter(pk__in=alliance_selectors.organization_ids_of(user, roles=INTAKE_ROLES))


def _named(label: Any, exc: ValidationError) -> ValidationError:
    """The validator's messages prefixed with the field's name ("Resident ID number: …"), so
    an error summary still says which field is wrong."""
    return ValidationError(
        [
            ValidationError(
                _("%(field)s: %(error)s"),
                code=error.code,
                params={"field": label, "error": " ".join(error.messages)},
            )
            for error in exc.error_list
        ]
    )


class CaseIntakeForm(BootstrapFormMixin, forms.Form):
    handling_organization = forms.ModelChoiceField(
        label=_("Handling organisation"), queryset=Organization.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    facts = forms.CharField(
        label=_("Facts and claims"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    dispute_type = forms.ChoiceField(label=_("Dispute type"), choices=BLANK + DisputeType.choices)
    mediation_kind = forms.ChoiceField(
        label=_("Mediation kind"), choices=MediationKind.choices, initial=MediationKind.PEOPLES
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.DIRECT)
    claim_amount = forms.DecimalField(
        label=_("Claim amount (CNY)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Non-negative, at most two decimal places."),
    )
    is_online = forms.BooleanField(label=_("Online mediation"), required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = intake_organizations(user)
        field = self.fields["handling_organization"]
        field.queryset = orgs
        only = list(orgs[:2])
        if len(only) == 1:
            field.initial = only[0].pk
            field.empty_label = None

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "handling_organization": data["handling_organization"],
            "title": data["title"],
            "dispute_type": data["dispute_type"],
            "facts": data["facts"],
            "mediation_kind": data["mediation_kind"],
            "source": data["source"],
            "claim_amount": data["claim_amount"],
            "is_online": data["is_online"],
        }


def find_enterprise(user, text: str) -> tuple[Organization | None, str]:
    """Resolve what was typed in the enterprise field: a USCC (alone or inside the text, as
    the suggestions show it) or an exact name, among the enterprises the user may see.
    Returns the enterprise or an error code (``not_found``, ``ambiguous``)."""
    visible = alliance_selectors.enterprise_list(user)
    text = (text or "").strip()
    candidates = [normalize_uscc(text), *_USCC_TOKEN.findall(text.upper())]
    for code in candidates:
        if len(code) == 18:
            match = visible.filter(uscc=code).first()
            if match is not None:
                return match, ""
    by_name = list(visible.filter(name__iexact=text)[:2])
    if len(by_name) == 1:
        return by_name[0], ""
    return None, "ambiguous" if by_name else "not_found"


class PartyForm(BootstrapFormMixin, forms.Form):
    """One party. An organisation is a registered enterprise (typed by name or USCC, with
    suggestions) or a new one (name, USCC, region); a natural person has a name and a
    resident ID number."""

    role = forms.ChoiceField(label=_("Role"), choices=BLANK + PartyRole.choices)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=PartyKind.choices, initial=PartyKind.ORGANIZATION
    )
    enterprise = forms.CharField(
        label=_("Registered enterprise"),
        required=False,
        max_length=220,
        help_text=_("Type a name or USCC and pick a suggestion."),
        widget=forms.TextInput(
            attrs={"list": "enterprise-suggestions", "autocomplete": "off", "data-ac": "enterprise"}
        ),
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("A natural person's name, or the name of an enterprise to register."),
    )
    # Longer than 18 so that codes typed with spaces or hyphens reach normalisation.
    uscc = forms.CharField(label=_("USCC of the new enterprise"), required=False, max_length=40)
    id_number = forms.CharField(label=_("Resident ID number"), required=False, max_length=40)
    region = RegionCodeField(label=_("Region code"), required=False)
    address = forms.CharField(label=_("Address for service"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    agent_name = forms.CharField(label=_("Agent"), required=False, max_length=100)
    agent_phone = forms.CharField(label=_("Agent's phone"), required=False, max_length=30)

    def __init__(self, *args, user=None, keep_id_number: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Editing a person whose full ID number the user may not see: the field starts
        # empty and an empty value keeps the stored number.
        self.keep_id_number = keep_id_number
        if keep_id_number:
            self.fields["id_number"].help_text = _("Leave empty to keep the recorded number.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["organization"] = None
        data["new_enterprise"] = None
        if data.get("kind") == PartyKind.ORGANIZATION:
            self._clean_organization(data)
        elif data.get("kind") == PartyKind.PERSON:
            self._clean_person(data)
        return data

    def _clean_organization(self, data: dict[str, Any]) -> None:
        typed = data.get("enterprise", "").strip()
        if typed:
            organization, problem = find_enterprise(self.user, typed)
            if organization is None:
                message = (
                    _("Several enterprises have this name; type its USCC instead.")
                    if problem == "ambiguous"
                    else _(
                        "No registered enterprise matches “%(text)s”. Pick a suggestion, or "
                        "leave this empty and register the enterprise with name, USCC and "
                        "region."
                    )
                )
                error = ValidationError(message, code=problem, params={"text": typed})
                self.add_error("enterprise", error)
            data["organization"] = organization
            return
        name, uscc, region = data.get("name", "").strip(), data.get("uscc", ""), data.get("region")
        if not (name or uscc):
            self.add_error(
                "enterprise",
                ValidationError(
                    _(
                        "Pick a registered enterprise, or enter the name, USCC and region of a "
                        "new one."
                    ),
                    code="enterprise_required",
                ),
            )
            return
        probe = Organization(kind=Organization.Kind.ENTERPRISE)
        if self.user is not None and not self.user.has_perm("alliance.add_organization", probe):
            self.add_error(
                "uscc",
                ValidationError(
                    _(
                        "You may not register new enterprises. Pick a registered enterprise "
                        "or ask an administrator to register it first."
                    ),
                    code="forbidden",
                ),
            )
            return
        if not name:
            self.add_error("name", ValidationError(_("Enter the enterprise's name."), "required"))
        code = normalize_uscc(uscc)
        try:
            validate_uscc(code)
        except ValidationError as exc:
            self.add_error("uscc", _named(_("USCC"), exc))
        else:
            existing = Organization.objects.filter(uscc=code).first()
            if existing is not None:
                visible = alliance_selectors.enterprise_list(self.user).filter(pk=existing.pk)
                self.add_error(
                    "uscc",
                    ValidationError(
                        _(
                            "USCC %(uscc)s is already registered (%(name)s): pick it in the "
                            "enterprise field instead."
                        ),
                        code="duplicate",
                        params={
                            "uscc": code,
                            "name": existing.name if visible.exists() else "—",
                        },
                    ),
                )
        if region is None and "region" not in self.errors:
            self.add_error(
                "region", ValidationError(_("A new enterprise needs its region."), "required")
            )
        data["new_enterprise"] = {"name": name, "uscc": code, "region": region}

    def _clean_person(self, data: dict[str, Any]) -> None:
        if not data.get("name", "").strip():
            self.add_error("name", ValidationError(_("Enter the person's name."), code="required"))
        number = normalize_resident_id(data.get("id_number", ""))
        if not number and self.keep_id_number:
            data["id_number"] = None
            return
        try:
            validate_resident_id(number)
        except ValidationError as exc:
            self.add_error("id_number", _named(_("Resident ID number"), exc))
        data["id_number"] = number

    def service_kwargs(self, organization: Organization | None = None) -> dict[str, Any]:
        """Keyword arguments for ``services.party_add`` / ``party_update``; ``organization``
        is the enterprise just registered for this party, if any."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "role": data["role"],
            "kind": data["kind"],
            "region": data.get("region"),
            "address": data.get("address", ""),
            "phone": data.get("phone", ""),
            "agent_name": data.get("agent_name", ""),
            "agent_phone": data.get("agent_phone", ""),
        }
        if data["kind"] == PartyKind.ORGANIZATION:
            fields["organization"] = organization or data["organization"]
            fields["id_number"] = ""
            if data.get("new_enterprise"):
                # The enterprise carries the region; the party does not repeat it.
                fields["region"] = None
        else:
            fields["organization"] = None
            fields["name"] = data["name"].strip()
            if data.get("id_number") is not None:
                fields["id_number"] = data["id_number"]
        return fields

    def enterprise_kwargs(self) -> dict[str, Any] | None:
        """Keyword arguments for ``alliance.services.organization_create`` when this party
        registers a new enterprise."""
        new = self.cleaned_data.get("new_enterprise")
        if not new or self.cleaned_data.get("kind") != PartyKind.ORGANIZATION:
            return None
        return {"kind": Organization.Kind.ENTERPRISE, **new}


class RightForm(BootstrapFormMixin, forms.Form):
    """A right in dispute by kind and number. A number of a right registered in the directory
    links that right; any other number is validated for its kind (DOMAIN §5)."""

    kind = forms.ChoiceField(
        label=_("Kind of right"), choices=BLANK + IntellectualProperty.Kind.choices
    )
    number = forms.CharField(
        label=_("Number"),
        required=False,
        max_length=64,
        help_text=_("Patent application number, trademark or registration number."),
        widget=forms.TextInput(
            attrs={"list": "ip-suggestions", "autocomplete": "off", "data-ac": "ip"}
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=200,
        help_text=_("For rights without a number, e.g. a trade secret."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["intellectual_property"] = None
        kind = data.get("kind")
        if not kind:
            return data
        number = normalize_identifier_for_ip_kind(kind, data.get("number", ""))
        description = data.get("description", "").strip()
        if number:
            try:
                validate_identifier_for_ip_kind(kind, number)
            except ValidationError as exc:
                self.add_error("number", _named(_("Number"), exc))
                return data
            data["number"] = number
            data["intellectual_property"] = (
                alliance_selectors.intellectual_property_visible_to(self.user)
                .filter(kind=kind, number=number)
                .first()
            )
        elif not description:
            self.add_error(
                "number",
                ValidationError(
                    _("Enter the right's number, or describe it if it has none."),
                    code="required",
                ),
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        ip = data.get("intellectual_property")
        if ip is not None:
            return {
                "intellectual_property": ip,
                "kind": ip.kind,
                "description": data["description"],
            }
        return {"kind": data["kind"], "number": data["number"], "description": data["description"]}


class BasePartyFormSet(forms.BaseFormSet):
    """The first two rows start as the applicant and the respondent. The same initial values
    are given to bound forms, so an untouched row still counts as empty."""

    FIRST_ROLES = (PartyRole.APPLICANT, PartyRole.RESPONDENT)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.FIRST_ROLES):
            kwargs["initial"] = {"role": self.FIRST_ROLES[index]}
        return kwargs


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=2, max_num=20, validate_max=True
)
RightFormSet = forms.formset_factory(RightForm, extra=1, max_num=20, validate_max=True)
