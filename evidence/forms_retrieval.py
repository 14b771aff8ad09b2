"""Web forms for retrieval requests: a new request and the forms of the four actions.

The forms check shape and offer the user's choices; the rules stay in ``evidence.retrieval``,
whose refusals the views show on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import Organization
from evidence import retrieval
from evidence.models import EvidenceRecord, RetrievalRequest
from evidence.selectors import enterprise_ids_of, evidence_visible_to, service_points
from zhangzhou_ip.core.forms import BootstrapFormMixin, bootstrapify

Status = RetrievalRequest.Status
BLANK = [("", "---------")]


def requesting_enterprises(user) -> QuerySet[Organization]:
    """Enterprises the user may ask a collection for (superusers: every active one)."""
    enterprises = Organization.objects.filter(
        kind=Organization.Kind.ENTERPRISE, is_active=True
    ).order_by("name")
    if user.is_superuser:
        return enterprises
    return enterprises.filter(pk__in=enterprise_ids_of(user))


class RetrievalRequestForm(BootstrapFormMixin, forms.Form):
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Organization.objects.none(), empty_label=None
    )
    service_point = forms.ModelChoiceField(
        label=_("Service point"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("The enterprise's own service point"),
    )
    kind = forms.ChoiceField(
        label=_("What to collect"), choices=BLANK + RetrievalRequest.Kind.choices
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    details = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What, where and how: shop, product, address, what the capture must show."),
    )
    target_url = forms.URLField(
        label=_("Target URL"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("Required for a web capture."),
    )
    due_date = forms.DateField(
        label=_("Wanted by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = requesting_enterprises(user)
        self.fields["service_point"].queryset = service_points().order_by("name")
        self.fields["due_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


# action → (permission, the statuses it applies to)
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "accept": (retrieval.HANDLE, (Status.REQUESTED,)),
    "complete": (retrieval.HANDLE, (Status.ACCEPTED,)),
    "decline": (retrieval.HANDLE, RetrievalRequest.OPEN_STATUSES),
    "cancel": (retrieval.CANCEL, RetrievalRequest.OPEN_STATUSES),
}

ACTION_LABELS = {
    "accept": _("Accept"),
    "complete": _("Complete with records"),
    "decline": _("Decline"),
    "cancel": _("Cancel the request"),
}

ACTION_HELP = {
    "accept": _("Take the request on for the service point and name who collects."),
    "complete": _("Hand over the evidence records the collection produced."),
    "decline": _("Tell the enterprise why the service point cannot do this collection."),
    "cancel": _("Withdraw the request; the service point is told."),
}


class RecordChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: EvidenceRecord) -> str:
        return f"{obj.number} · {obj.title} · {timezone.localtime(obj.deposited_at):%Y-%m-%d}"


def completable_records(user, request: RetrievalRequest) -> QuerySet[EvidenceRecord]:
    """The enterprise's records the user may see and hand over, most recent first."""
    return (
        evidence_visible_to(user)
        .filter(depositor_id=request.enterprise_id, withdrawal__isnull=True)
        .order_by("-deposited_at", "-pk")
    )


class RetrievalActionForm(BootstrapFormMixin, forms.Form):
    """One action's form: the version the user saw and the action's own fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self, *args: Any, action: str, request_obj: RetrievalRequest, user, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", action)
        kwargs.setdefault("initial", {"version": request_obj.version})
        super().__init__(*args, **kwargs)
        self.action = action
        self.label = ACTION_LABELS[action]
        self.help = ACTION_HELP[action]
        if action == "accept":
            field = forms.ModelChoiceField(
                label=_("Assignee"),
                queryset=retrieval.point_staff(request_obj.service_point),
                required=False,
                empty_label=_("Me"),
            )
            field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
            self.fields["assignee"] = field
        elif action == "complete":
            self.fields["records"] = RecordChoiceField(
                label=_("Records produced"),
                queryset=completable_records(user, request_obj),
                required=False,
                widget=forms.SelectMultiple(attrs={"size": 8}),
                help_text=_("The enterprise's records you can see, most recent first."),
            )
            self.fields["outcome"] = forms.CharField(
                label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            )
        else:
            self.fields["reason"] = forms.CharField(
                label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            # The service says when the reason is missing; the attribute only marks it.
            self.fields["reason"].widget.attrs["required"] = True
        bootstrapify(self)  # the fields added above

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {"expected_version": data["version"]}
        if self.action == "accept":
            kwargs["assignee"] = data.get("assignee")
        elif self.action == "complete":
            kwargs["records"] = list(data.get("records") or [])
            kwargs["outcome"] = data.get("outcome", "")
        else:
            kwargs["reason"] = data.get("reason", "")
        return kwargs
