"""Sharing a case with partner cities (DESIGN §6, issue 5) and their comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.models import CollaborationRequest, Organization
from cases.models.mediation import MediationCase


class CaseShare(models.Model):
    """A case shared with a member organisation. Active while not revoked and — for a share
    made by a collaboration request — while the request is open or accepted."""

    class Level(models.TextChoices):
        VIEW = "view", _("View")
        COLLABORATE = "collaborate", _("Collaborate (comments and replies)")

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="shares")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("shared with"),
        on_delete=models.PROTECT,
        related_name="case_shares",
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    reason = models.CharField(_("reason"), max_length=300)
    request = models.ForeignKey(
        CollaborationRequest,
        verbose_name=_("collaboration request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_shares",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("shared at"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("case share")
        verbose_name_plural = _("case shares")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organization"],
                condition=Q(revoked_at__isnull=True, request__isnull=True),
                name="case_share_one_active_direct_share",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="case_share_revoked_with_reason",
            ),
        ]
        indexes = [
            # The shares in force for a user's organisations, read on every list page: their
            # case and request ids from the index alone on PostgreSQL (INCLUDE; ignored on
            # SQLite, which keeps the partial index)
            models.Index(
                fields=["organization"],
                include=["case", "request"],
                condition=Q(revoked_at__isnull=True),
                name="case_share_in_force_by_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.organization} ({self.get_level_display()})"

    @classmethod
    def active_q(cls, prefix: str = "") -> Q:
        """Active shares: not revoked, and their collaboration request (if any) still open or
        accepted — a request's share ends with the request, without a write. The requests in
        force are a subquery (a few hundred among thousands, read from the status index),
        not a join to every request."""
        in_force = CollaborationRequest.objects.filter(
            status__in=CollaborationRequest.ACTIVE_STATUSES
        ).values("pk")
        return Q(**{f"{prefix}revoked_at__isnull": True}) & (
            Q(**{f"{prefix}request__isnull": True}) | Q(**{f"{prefix}request__in": in_force})
        )

    def in_force(self) -> bool:
        """``active_q()`` for a share in memory (select its ``request`` to ask many)."""
        if self.revoked_at is not None:
            return False
        return self.request_id is None or (
            self.request.status in CollaborationRequest.ACTIVE_STATUSES
        )


class CaseComment(models.Model):
    """A comment on a case by the handling side or a partner with a `collaborate` share."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("on behalf of"), on_delete=models.PROTECT, related_name="+"
    )
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.created_at:%Y-%m-%d %H:%M}"
