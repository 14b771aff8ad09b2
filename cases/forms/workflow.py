"""Forms of the case pages: editing the non-workflow fields, a transition's small form, and
assigning a mediator. Each form only shapes input; the services decide and change."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import MediationCase
from zhangzhou_ip.core.forms import BootstrapFormMixin, bootstrapify
from zhangzhou_ip.core.templatetags.people import person_name

AMOUNT_FIELDS = ("claim_amount", "settled_amount")

REASON_LABELS = {
    "decline": _("Why the case is declined"),
    "fail": _("Why mediation failed"),
    "withdraw": _("The applicant's withdrawal (their words)"),
    "close": _("Confirmation or referral finished, or why it is waived"),
}


class CaseEditForm(BootstrapFormMixin, forms.ModelForm):
    """The fields a user may change outside the workflow (``services.EDITABLE_FIELDS``), with
    the version the user saw so a concurrent change is detected rather than overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = MediationCase
        fields = list(services.EDITABLE_FIELDS)
        widgets = {"facts": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        for name in AMOUNT_FIELDS:
            field = self.fields[name]
            field.min_value = Decimal("0.00")
            field.widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
            field.help_text = _("CNY, two decimal places, not negative.")

    def _clean_amount(self, name: str) -> Decimal | None:
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise forms.ValidationError(_("An amount cannot be negative."), code="negative_amount")
        return value

    def clean_claim_amount(self) -> Decimal | None:
        return self._clean_amount("claim_amount")

    def clean_settled_amount(self) -> Decimal | None:
        return self._clean_amount("settled_amount")

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.EDITABLE_FIELDS}


class TransitionForm(BootstrapFormMixin, forms.Form):
    """A transition's confirmation: the case version shown, and the reason when the
    transition needs one (``services.REASON_TRANSITIONS``)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, transition: str, **kwargs):
        self.transition = transition
        super().__init__(*args, **kwargs)
        if transition in services.REASON_TRANSITIONS:
            self.fields["reason"] = forms.CharField(
                label=REASON_LABELS.get(transition, _("Reason")),
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=2000,
            )
        if transition == "withdraw":
            self.fields["withdrawn_on"] = forms.DateField(
                label=_("Withdrawal received on"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                help_text=_("Leave empty for today."),
            )
        # Fields added after the mixin ran need Bootstrap's classes too.
        bootstrapify(self)

    def service_kwargs(self) -> dict:
        kwargs: dict = {"expected_version": self.cleaned_data["version"]}
        reason_kwarg = services.REASON_TRANSITIONS.get(self.transition)
        if reason_kwarg:
            kwargs[reason_kwarg] = self.cleaned_data["reason"]
        if self.transition == "withdraw" and self.cleaned_data.get("withdrawn_on"):
            kwargs["withdrawn_on"] = self.cleaned_data["withdrawn_on"]
        return kwargs


class MediatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        open_cases = getattr(obj, "open_cases", None)
        if open_cases is None:
            return person_name(obj)
        return str(
            _("%(name)s — %(count)s open cases") % {"name": person_name(obj), "count": open_cases}
        )


class AssignForm(BootstrapFormMixin, forms.Form):
    """Pick one of the handling organisation's mediators (with their current workload)."""

    mediator = MediatorChoiceField(label=_("Mediator"), queryset=None)

    def __init__(self, *args, mediators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = mediators
