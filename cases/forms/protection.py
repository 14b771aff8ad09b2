"""The protection-action form (issue 7 part 1). Shape and choices only: the choices come from
the user's scope (enterprises they may record for, the enterprise's records they may see, the
enterprise's cases they may see) and ``services.action_record`` / ``action_update`` decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alliance.models import Organization
from cases import protection as policy
from cases.models import MediationCase, ProtectionAction
from cases.services.protection import FIELDS
from evidence.models import EvidenceRecord
from zhangzhou_ip.core.forms import BootstrapFormMixin


class _RecordChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: EvidenceRecord) -> str:
        return f"{obj.number} · {obj.title} ({obj.deposited_at:%Y-%m-%d})"


class _CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MediationCase) -> str:
        return str(obj)


def evidence_choices(
    user, enterprise: Organization | None, *, cited: ProtectionAction | None = None
) -> QuerySet[EvidenceRecord]:
    """The enterprise's records the user may see (none until an enterprise is chosen):
    withdrawn ones only if the action already cites them."""
    from evidence.selectors import evidence_visible_to

    if enterprise is None:
        return EvidenceRecord.objects.none()
    keep = Q(withdrawal__isnull=True)
    if cited is not None:
        keep |= Q(pk__in=cited.evidence.values("pk"))
    return (
        evidence_visible_to(user)
        .filter(keep, depositor=enterprise)
        .order_by("-deposited_at", "-pk")
    )


def case_choices(user, enterprise: Organization | None) -> QuerySet[MediationCase]:
    """Cases the user may see in which the enterprise is a party."""
    from cases.selectors import case_visible_to

    if enterprise is None:
        return MediationCase.objects.none()
    return (
        case_visible_to(user)
        .filter(parties__organization=enterprise)
        .distinct()
        .order_by("-received_on", "-pk")
    )


class ProtectionActionForm(BootstrapFormMixin, forms.ModelForm):
    """Create (with the enterprise) or edit (the enterprise is fixed, ``version`` carried)."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Organization.objects.none())
    evidence = _RecordChoiceField(
        label=_("益企证 evidence records"),
        queryset=EvidenceRecord.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("The enterprise's records you may see; hold Ctrl (⌘) to choose several."),
    )
    case = _CaseChoiceField(
        label=_("Mediation case"),
        queryset=MediationCase.objects.none(),
        required=False,
        help_text=_("A case in which the enterprise is a party, if the action is one."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProtectionAction
        fields = [
            "enterprise", "kind", "title", "counterparty", "description", "started_on",
            "concluded_on", "outcome", "amount_recovered", "evidence_cost_saved",
            "alliance_cost_saved", "cost_saved_basis", "handled_by", "case", "evidence",
        ]  # fmt: skip
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "concluded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "cost_saved_basis": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self, *args: Any, user: Any, enterprise: Organization | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            enterprise = self.instance.enterprise
            self.fields["enterprise"].queryset = Organization.objects.filter(pk=enterprise.pk)
            self.fields["enterprise"].disabled = True
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
            choices = policy.enterprises_for_recording(user)
            self.fields["enterprise"].queryset = choices
            if enterprise is None and len(choices[:2]) == 1:
                enterprise = choices[0]
            if enterprise is not None:
                self.fields["enterprise"].initial = enterprise.pk
        self.enterprise = enterprise
        helpers = policy.helpers_for_recording(user)
        if editing and self.instance.handled_by_id:
            helpers = helpers | Organization.objects.filter(pk=self.instance.handled_by_id)
        self.fields["handled_by"].queryset = helpers.distinct()
        self.fields["evidence"].queryset = evidence_choices(
            user, enterprise, cited=self.instance if editing else None
        )
        self.fields["case"].queryset = case_choices(user, enterprise)
        if enterprise is None:
            self.fields["evidence"].help_text = _(
                "Choose the enterprise and press “Show its records and cases” first."
            )

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values the services take (``enterprise`` and ``version`` apart)."""
        data = {name: self.cleaned_data[name] for name in FIELDS if name in self.cleaned_data}
        data["evidence"] = list(self.cleaned_data.get("evidence") or [])
        return data
