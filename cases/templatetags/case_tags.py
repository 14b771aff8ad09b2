"""Template helpers of the case pages: status badges, timeline labels, transition labels,
export links that carry the list's filters."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.choices import TRANSITION_LABELS, Status
from cases.models import CaseShare, MediationCase

register = template.Library()

STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.SUBMITTED: "info",
    Status.ACCEPTED: "primary",
    Status.MEDIATING: "warning",
    Status.SETTLED: "success",
    Status.FAILED: "danger",
    Status.DECLINED: "dark",
    Status.WITHDRAWN: "dark",
    Status.CLOSED: "light",
}

# Timeline verbs (dotted codes written by cases/services.py) as people read them.
VERB_LABELS = {
    "case.created": _("Case opened as a draft"),
    "evidence.linked": _("Evidence cited"),
    "protection.recorded": _("Protection action recorded"),
    "protection.updated": _("Protection action updated"),
    "protection.unlinked": _("Protection action no longer linked"),
    "evidence.unlinked": _("Evidence no longer cited"),
    "case.updated": _("Case details edited"),
    "case.submitted": _("Case submitted"),
    "case.accepted": _("Case accepted"),
    "case.declined": _("Case declined"),
    "case.mediating": _("Mediation started"),
    "case.settled": _("Settlement recorded"),
    "case.failed": _("Mediation failed"),
    "case.withdrawn": _("Withdrawal recorded"),
    "case.closed": _("Case closed"),
    "case.assigned": _("Mediator assigned"),
    "case.unassigned": _("Mediator unassigned"),
    "party.added": _("Party added"),
    "party.updated": _("Party edited"),
    "party.removed": _("Party removed"),
    "right.added": _("Right in dispute added"),
    "right.removed": _("Right in dispute removed"),
    "session.scheduled": _("Session scheduled"),
    "session.recorded": _("Session minutes recorded"),
    "agreement.recorded": _("Agreement recorded"),
    "agreement.updated": _("Agreement edited"),
    "confirmation.prepared": _("Judicial confirmation prepared"),
    "confirmation.updated": _("Joint application recorded"),
    "confirmation.material_added": _("Confirmation material uploaded"),
    "confirmation.filed": _("Application filed with the court"),
    "confirmation.accepted": _("Court accepted the application"),
    "confirmation.extended": _("Court extended the decision term"),
    "confirmation.confirmed": _("Court confirmed the agreement"),
    "confirmation.rejected": _("Court rejected the application"),
    "confirmation.not_accepted": _("Court did not accept the application"),
    "confirmation.withdrawn": _("Application withdrawn"),
    "referral.received": _("Referral received from a court"),
    "referral.extended": _("Mediation term extended"),
    "referral.sent": _("Referred to litigation"),
    "referral.closed": _("Referral closed"),
    "case.shared": _("Shared with a partner"),
    "case.share_revoked": _("Share revoked"),
    "collaboration.requested": _("Collaboration requested"),
    "comment.added": _("Comment added"),
}

TRANSITION_STYLES = {
    "decline": "outline-danger",
    "fail": "outline-danger",
    "withdraw": "outline-secondary",
}

# Query parameters of the list page that are not filters.
NOT_FILTERS = ("page", "page_size", "format")


@register.filter
def status_badge(case_or_status) -> str:
    """A coloured badge with the translated status."""
    value = getattr(case_or_status, "status", case_or_status)
    label = Status(value).label if value in Status.values else value
    colour = STATUS_COLOURS.get(value, "secondary")
    text = " text-dark border" if colour == "light" else ""
    return format_html('<span class="badge text-bg-{}{}">{}</span>', colour, text, label)


@register.filter
def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))


@register.filter
def transition_label(name: str) -> str:
    return str(TRANSITION_LABELS.get(name, name))


@register.filter
def transition_style(name: str) -> str:
    return TRANSITION_STYLES.get(name, "primary")


@register.simple_tag(takes_context=True)
def export_query(context, fmt: str) -> str:
    """The current filters (and sort) with ``format=fmt``, for the export buttons."""
    params = context["request"].GET.copy()
    for key in NOT_FILTERS:
        params.pop(key, None)
    if context.get("mine"):
        params["mine"] = "1"
    params["format"] = fmt
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def with_status(context, status: str) -> str:
    """The current query string filtered to one status (for the status counts)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params.setlist("status", [status] if status else [])
    return "?" + params.urlencode()


# Keys of ``CaseEvent.data`` worth a word on the timeline, in the order they are shown.
EVENT_DETAIL_KEYS = (
    "number",
    "name",
    "mediator",
    "organization",
    "court",
    "court_case_number",
    "reason",
    "waiver_reason",
    "mediation_deadline",
)


@register.filter
def event_details(event) -> str:
    """A short, human summary of a timeline event's data (never IDs of people)."""
    data = event.data or {}
    parts = [str(data[key]) for key in EVENT_DETAIL_KEYS if data.get(key)]
    if data.get("level") in CaseShare.Level.values:
        parts.append(str(CaseShare.Level(data["level"]).label))
    if data.get("fields"):
        names = []
        for name in data["fields"]:
            try:
                names.append(str(MediationCase._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                names.append(name)
        parts.append(", ".join(names))
    return " · ".join(parts)
