"""Forms of the partner side of a case (issue 5): sharing, revoking, comments and a
collaboration request about the case. Shape only: the services decide (own organisation,
not a member, shared twice, no reason, due date in the past) and the views show their
refusals on the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from alliance.models import CollaborationRequest, Organization
from cases.models import CaseShare, MediationCase
from zhangzhou_ip.core.forms import BootstrapFormMixin

LEVEL_HELP = {
    CaseShare.Level.VIEW: _(
        "The partner sees the case, its parties (ID numbers masked), timeline, sessions and "
        "agreement, and reads the comments."
    ),
    CaseShare.Level.COLLABORATE: _(
        "Everything of “view”, and the partner may also comment and reply. Neither level "
        "gives the right to edit the case or move it through the workflow."
    ),
}


def _grouped_choices(
    organizations: QuerySet[Organization], proposed: set[int]
) -> list[tuple[Any, Any]]:
    """Proposed targets first (a party is in their city), then the other members."""
    first, rest = [], []
    for org in organizations:
        if org.pk in proposed:
            first.append((org.pk, _("%(org)s — a party is there") % {"org": org.name}))
        else:
            rest.append((org.pk, org.name))
    choices: list[tuple[Any, Any]] = [("", "---------")]
    if first:
        choices.append((_("Proposed: a party of the case is in their city"), first))
    if rest:
        choices.append((_("Other alliance members") if first else _("Alliance members"), rest))
    return choices


class _TargetField(forms.ModelChoiceField):
    """Accepts any organisation the user may see, so that the service (not the form) says
    why a target is refused; offers only the alliance members, proposed targets first."""

    def __init__(
        self,
        *,
        queryset: QuerySet[Organization],
        offered: QuerySet[Organization],
        proposed: set[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(queryset=queryset, **kwargs)
        self.choices = _grouped_choices(offered, proposed)


class ShareForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Share with"), queryset=Organization.objects.none()
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=CaseShare.Level.choices,
        initial=CaseShare.Level.VIEW,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Why the partner needs the case; shown to them and kept in the timeline."),
    )

    def __init__(
        self,
        *args: Any,
        selectable: QuerySet[Organization],
        offered: QuerySet[Organization],
        proposed: set[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"] = _TargetField(
            label=_("Share with"),
            queryset=selectable,
            offered=offered,
            proposed=proposed,
            help_text=_("Alliance member organisations other than the handling side."),
        )
        self.fields["organization"].widget.attrs["class"] = "form-select"
        self.level_help = [
            (value, label, LEVEL_HELP[value]) for value, label in CaseShare.Level.choices
        ]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=300, required=False)


class CommentForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CollaborationRequestForm(BootstrapFormMixin, forms.Form):
    from_organization = forms.ModelChoiceField(
        label=_("From"), queryset=Organization.objects.none()
    )
    to_organization = forms.ModelChoiceField(label=_("To"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=CollaborationRequest.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Request"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    due_on = forms.DateField(
        label=_("Response due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Leave empty for the kind's response term, counted by the statutory rule (a term "
            "ending on a public holiday or weekend runs to the next working day)."
        ),
    )

    def __init__(
        self,
        *args: Any,
        case: MediationCase,
        acting: QuerySet[Organization],
        selectable: QuerySet[Organization],
        offered: QuerySet[Organization],
        proposed: set[int],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "subject", f"{case.number or _('draft')} {case.title}".strip()[:200]
        )
        super().__init__(*args, **kwargs)
        self.fields["from_organization"].queryset = acting
        if len(acting) == 1:
            self.fields["from_organization"].initial = acting[0].pk
        self.fields["to_organization"] = _TargetField(
            label=_("To"), queryset=selectable, offered=offered, proposed=proposed
        )
        self.fields["kind"].help_text = _(
            "Response terms: %(terms)s. While the request is open or accepted the case is "
            "shared with the receiving member (collaborate)."
        ) % {
            "terms": _(", ").join(
                _("%(kind)s %(days)s days")
                % {"kind": CollaborationRequest.Kind(kind).label, "days": days}
                for kind, days in CollaborationRequest.RESPONSE_DAYS.items()
            )
        }
        # BootstrapFormMixin ran before the replaced field existed.
        self.fields["to_organization"].widget.attrs["class"] = "form-select"
