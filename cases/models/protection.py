"""Rights-protection actions of enterprises (DESIGN §4, issue 7 part 1).

An enterprise protects its rights — mediation, a complaint to a regulator, litigation, an
e-commerce takedown, a negotiation — citing its 益企证 records and, where there is one, a
mediation case. What it recovered and what it saved are recorded so the alliance's yearly
figures (actions, enterprises helped, amounts recovered, cost saved) are computed, not typed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliance.models import Organization
from cases.models.mediation import MediationCase
from zhangzhou_ip.core.models import TimeStampedModel

ZERO = Decimal("0.00")
NOT_NEGATIVE = [MinValueValidator(ZERO, message=_("Amounts cannot be negative."))]
#: Organisations that help enterprises protect their rights (``handled_by``).
HELPER_KINDS = (
    Organization.Kind.BUREAU,
    Organization.Kind.MEDIATION_COMMITTEE,
    Organization.Kind.PROTECTION_CENTER,
    Organization.Kind.SERVICE_POINT,
)


class ProtectionAction(TimeStampedModel):
    """One rights-protection action of an enterprise, with its outcome and its savings."""

    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("Mediation")
        REGULATOR_COMPLAINT = "regulator_complaint", _("Complaint to a regulator")
        LITIGATION = "litigation", _("Litigation")
        PLATFORM_TAKEDOWN = "platform_takedown", _("E-commerce platform takedown")
        NEGOTIATION = "negotiation", _("Negotiation")

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", _("Ongoing")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIALLY_SUCCEEDED = "partially_succeeded", _("Partially succeeded")
        UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    enterprise = models.ForeignKey(
        Organization,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="protection_actions",
    )
    kind = models.CharField(_("kind of action"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    counterparty = models.CharField(
        _("counterparty"),
        max_length=200,
        blank=True,
        help_text=_("The infringer, shop or platform the action is against."),
    )
    started_on = models.DateField(_("started on"))
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=Outcome.choices, default=Outcome.ONGOING
    )
    amount_recovered = models.DecimalField(
        _("amount recovered (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=NOT_NEGATIVE,
    )
    evidence_cost_saved = models.DecimalField(
        _("cost saved through 益企证 evidence (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=NOT_NEGATIVE,
    )
    alliance_cost_saved = models.DecimalField(
        _("cost saved through alliance cooperation (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=NOT_NEGATIVE,
    )
    cost_saved_basis = models.TextField(
        _("basis of the cost-saved estimate"),
        blank=True,
        help_text=_("How the savings were estimated (required when a saving is recorded)."),
    )
    evidence = models.ManyToManyField(
        "evidence.EvidenceRecord",
        verbose_name=_("evidence"),
        related_name="protection_actions",
        blank=True,
    )
    case = models.ForeignKey(
        MediationCase,
        verbose_name=_("mediation case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="protection_actions",
    )
    handled_by = models.ForeignKey(
        Organization,
        verbose_name=_("helped by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_protection_actions",
        help_text=_("The service point or bureau that helped the enterprise."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("protection action")
        verbose_name_plural = _("protection actions")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_recovered__gte=0),
                name="protection_amount_recovered_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(evidence_cost_saved__gte=0),
                name="protection_evidence_cost_saved_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(alliance_cost_saved__gte=0),
                name="protection_alliance_cost_saved_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(concluded_on__gte=F("started_on")),
                name="protection_concluded_after_started",
            ),
            models.CheckConstraint(
                condition=(Q(outcome="ongoing") & Q(concluded_on__isnull=True))
                | (~Q(outcome="ongoing") & Q(concluded_on__isnull=False)),
                name="protection_concluded_iff_outcome",
            ),
            models.CheckConstraint(
                condition=(Q(evidence_cost_saved=0) & Q(alliance_cost_saved=0))
                | ~Q(cost_saved_basis=""),
                name="protection_savings_have_basis",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "started_on"]),
            models.Index(fields=["started_on"]),
            models.Index(fields=["kind"]),
            models.Index(fields=["outcome"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.started_on:%Y-%m-%d})" if self.started_on else self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:protection-detail", args=[self.pk])

    @property
    def is_concluded(self) -> bool:
        return self.outcome != self.Outcome.ONGOING

    def validate_constraints(self, exclude: Any = None) -> None:
        """``clean`` states each check constraint as a message on the field to fix; the
        constraints stay the database's guard (their generic "constraint violated" text would
        only repeat it)."""

    def clean(self) -> None:
        """The rules the constraints enforce, as messages on the fields a user can fix."""
        errors: dict[str, list[str]] = {}
        if self.enterprise_id is not None and self.enterprise.kind != Organization.Kind.ENTERPRISE:
            errors["enterprise"] = [_("Protection actions are recorded for enterprises only.")]
        if self.handled_by_id is not None and self.handled_by.kind not in HELPER_KINDS:
            errors["handled_by"] = [
                _("Name the bureau, committee, protection centre or service point that helped.")
            ]
        if self.started_on and self.concluded_on and self.concluded_on < self.started_on:
            errors["concluded_on"] = [_("The action cannot conclude before it started.")]
        if self.outcome == self.Outcome.ONGOING and self.concluded_on is not None:
            errors["outcome"] = [
                _("An action with a conclusion date needs its outcome (not “ongoing”).")
            ]
        if self.outcome and self.outcome != self.Outcome.ONGOING and self.concluded_on is None:
            errors["concluded_on"] = [_("Give the date on which the action concluded.")]
        saved = (self.evidence_cost_saved or ZERO) > 0 or (self.alliance_cost_saved or ZERO) > 0
        if saved and not (self.cost_saved_basis or "").strip():
            errors["cost_saved_basis"] = [_("Say how the cost saved was estimated.")]
        if errors:
            raise ValidationError(errors)
