"""Protection collaboration between member bureaus (保护协作): a request from one member to
another with a response term, and the replies. Counted as the alliance's "protection
collaborations". A case may be linked (``cases.CaseShare.request``): it is shared with the
target for as long as the request is open or accepted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliance.models.directory import Organization
from zhangzhou_ip.core.models import TimeStampedModel


class CollaborationRequest(TimeStampedModel):
    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence assistance")
        JOINT_MEDIATION = "joint_mediation", _("Joint mediation")
        SERVICE = "service", _("Service of documents")
        CONFIRMATION = "confirmation", _("Remote judicial-confirmation assistance")
        INVESTIGATION = "investigation", _("Investigation")
        INFORMATION = "information", _("Information exchange")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    # Response terms in days by kind, counted by CPL art. 85 (project policy, set with the
    # alliance's secretariat; DOMAIN §2 counting). Stored per request as ``due_on``.
    RESPONSE_DAYS = {
        Kind.EVIDENCE: 15,
        Kind.JOINT_MEDIATION: 10,
        Kind.SERVICE: 10,
        Kind.CONFIRMATION: 5,
        Kind.INVESTIGATION: 20,
        Kind.INFORMATION: 7,
    }
    ACTIVE_STATUSES = (Status.OPEN, Status.ACCEPTED)

    from_organization = models.ForeignKey(
        Organization,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="collaborations_sent",
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="collaborations_received",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("request"), blank=True)
    sent_on = models.DateField(_("sent on"))
    due_on = models.DateField(_("response due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("collaboration request")
        verbose_name_plural = _("collaboration requests")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_organization=F("to_organization")),
                name="collaboration_not_to_itself",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("sent_on")), name="collaboration_due_after_sent"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted"]) | Q(closed_on__isnull=False),
                name="collaboration_closed_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "completed"]) | Q(accepted_on__isnull=False),
                name="collaboration_accepted_date",
            ),
        ]
        indexes = [
            models.Index(fields=["to_organization", "status"]),
            models.Index(fields=["from_organization", "status"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["sent_on"]),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("alliance:collaboration-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


def reply_upload_to(instance: CollaborationReply, filename: str) -> str:
    # Never a user-chosen path: derived from the request id and a safe extension.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = f".{suffix}" if suffix in {"pdf", "jpg", "jpeg", "png"} else ""
    return f"collaboration/{instance.request_id}/reply{extension}"


class CollaborationReply(models.Model):
    request = models.ForeignKey(
        CollaborationRequest, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("on behalf of"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("reply"))
    attachment = models.FileField(_("attachment"), upload_to=reply_upload_to, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaboration reply")
        verbose_name_plural = _("collaboration replies")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.created_at:%Y-%m-%d %H:%M}"
