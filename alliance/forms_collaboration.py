"""Web forms for collaboration requests: a new request, a reply with an attachment, and the
small forms of the actions (accept, decline, complete, cancel). The rules stay in
``alliance.collaboration``: these forms check shape, the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from alliance import selectors
from alliance.collaboration import response_due_on
from alliance.models import CollaborationReply, CollaborationRequest, Organization
from zhangzhou_ip.core.forms import BootstrapFormMixin
from zhangzhou_ip.core.uploads import check_document

BLANK = [("", "---------")]

# What the first bytes of an allowed attachment must be, by extension. The same table as the
# Reply attachments are checked like every uploaded document.
check_reply_attachment = check_document


def default_due_dates(today: dt.date | None = None) -> dict[str, dt.date]:
    """The due date each kind gets when none is entered (the service's rule)."""
    today = today or timezone.localdate()
    return {kind: response_due_on(kind, today) for kind in CollaborationRequest.Kind.values}


def sender_organizations(user) -> QuerySet[Organization]:
    """Member organisations the user may send from: where they act (superusers: all)."""
    members = selectors.member_organizations().order_by("name")
    if user.is_superuser:
        return members
    return members.filter(pk__in=selectors.organization_ids_of(user, roles=selectors.ACTING_ROLES))


class CollaborationRequestForm(BootstrapFormMixin, forms.Form):
    from_organization = forms.ModelChoiceField(
        label=_("From"), queryset=Organization.objects.none(), empty_label=None
    )
    to_organization = forms.ModelChoiceField(label=_("To"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + CollaborationRequest.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Request"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    due_on = forms.DateField(
        label=_("Response due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        senders = sender_organizations(user)
        self.fields["from_organization"].queryset = senders
        # The dropdown offers the other members; any organisation the user can see is
        # accepted so that the service gives its own message (own organisation, not a member).
        self.fields["to_organization"].queryset = selectors.organization_visible_to(user)
        own = set(senders.values_list("pk", flat=True)) if not user.is_superuser else set()
        offered = list(selectors.member_organizations().exclude(pk__in=own).order_by("name"))
        chosen = self.data.get(self.add_prefix("to_organization")) if self.is_bound else None
        if chosen and str(chosen).isdigit() and all(org.pk != int(chosen) for org in offered):
            # Keep a refused choice visible next to its error message.
            offered += list(self.fields["to_organization"].queryset.filter(pk=int(chosen)))
        self.fields["to_organization"].widget.choices = BLANK + [
            (org.pk, org.name) for org in offered
        ]
        self.due_dates = default_due_dates()
        lines = "; ".join(
            f"{label} {formats.date_format(self.due_dates[value], 'Y-m-d')}"
            for value, label in CollaborationRequest.Kind.choices
        )
        self.fields["due_on"].help_text = _(
            "Leave empty for the kind's response term from today: %(terms)s."
        ) % {"terms": lines}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class CollaborationReplyForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = _("%(types)s, at most %(limit)s.") % {
            "types": ", ".join(settings.AGREEMENT_DOCUMENT_EXTENSIONS),
            "limit": filesizeformat(settings.AGREEMENT_DOCUMENT_MAX_BYTES),
        }
        self.fields["attachment"].widget.attrs["accept"] = ",".join(
            settings.AGREEMENT_DOCUMENT_EXTENSIONS
        )

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_reply_attachment(upload)
        return upload or None


# action → (permission, the statuses it applies to, its note: None, "optional" or "required")
ACTIONS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "accept": ("alliance.answer_collaborationrequest", ("open",), None),
    "decline": ("alliance.answer_collaborationrequest", ("open",), "required"),
    "complete": ("alliance.answer_collaborationrequest", ("accepted",), "optional"),
    "cancel": ("alliance.cancel_collaborationrequest", ("open", "accepted"), "required"),
}

ACTION_LABELS = {
    "accept": _("Accept"),
    "decline": _("Decline"),
    "complete": _("Mark completed"),
    "cancel": _("Cancel the request"),
}

NOTE_LABELS = {
    "decline": _("Reason for declining"),
    "complete": _("Closing note"),
    "cancel": _("Reason for cancelling"),
}


class CollaborationActionForm(BootstrapFormMixin, forms.Form):
    """One action's form: the version the user saw and, for some, a note."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, action: str, **kwargs):
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.label = ACTION_LABELS[action]
        note = ACTIONS[action][2]
        if note is None:
            del self.fields["note"]
        else:
            self.fields["note"].label = NOTE_LABELS[action]
            # The service says when a note is missing; ``required`` only marks the field.
            self.fields["note"].widget.attrs["required"] = note == "required"

    def service_kwargs(self) -> dict:
        kwargs = {"expected_version": self.cleaned_data["version"]}
        if "note" in self.fields:
            kwargs["note"] = self.cleaned_data.get("note", "")
        return kwargs


def reply_instance(request: CollaborationRequest) -> CollaborationReply:
    """An unsaved reply, for the ``add_collaborationreply`` permission check."""
    return CollaborationReply(request=request)
