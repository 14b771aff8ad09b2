"""Judicial confirmation of agreements and litigation–mediation docking (诉调对接).

DOMAIN §1 (confirmation: window, competent courts, materials, clocks, states) and §4
(delegated / entrusted mediation, terms). State changes go through ``cases/services/court.py``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliance.models import Organization
from cases.models.mediation import Agreement, MediationCase, safe_extension
from zhangzhou_ip.core.models import TimeStampedModel

COURT_ONLY = {"kind": "court"}


def ruling_upload_to(instance: JudicialConfirmation, filename: str) -> str:
    # Never a user-chosen name or path: the confirmation's id, a random part (a replaced
    # ruling never overwrites the old file in place) and an allowed extension.
    return f"confirmations/{instance.pk}/ruling-{secrets.token_hex(8)}{safe_extension(filename)}"


def material_upload_to(instance: ConfirmationMaterial, filename: str) -> str:
    return (
        f"confirmations/{instance.confirmation_id}/{instance.kind}-"
        f"{secrets.token_hex(8)}{safe_extension(filename)}"
    )


class JudicialConfirmation(TimeStampedModel):
    """An application to a court to confirm a mediation agreement (司法确认), DOMAIN §1.10."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("Prepared")
        FILED = "filed", _("Filed with the court")
        ACCEPTED = "accepted", _("Accepted by the court")
        CONFIRMED = "confirmed", _("Confirmed (agreement valid)")
        REJECTED = "rejected", _("Rejected")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Basis(models.TextChoices):
        CPL = "cpl", _("Civil Procedure Law art. 205 (mediation organisation)")
        ADMINISTRATIVE = (
            "administrative",
            _("Administrative mediation (court–bureau mechanism, 法发〔2009〕45号 art. 20)"),
        )

    OPEN_STATUSES = (Status.PREPARED, Status.FILED, Status.ACCEPTED)
    FINISHED_STATUSES = (
        Status.CONFIRMED,
        Status.REJECTED,
        Status.NOT_ACCEPTED,
        Status.WITHDRAWN,
    )

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="confirmations")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="confirmations")
    court = models.ForeignKey(
        Organization,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        related_name="confirmations",
        limit_choices_to=COURT_ONLY,
    )
    court_reason = models.CharField(
        _("why this court"), max_length=300, help_text=_("The competence rule (DOMAIN §1.3).")
    )
    basis = models.CharField(_("legal basis"), max_length=16, choices=Basis.choices)
    is_remote = models.BooleanField(
        _("remote confirmation (异地)"),
        default=False,
        help_text=_("The court is in another city than the handling organisation."),
    )
    joint_application = models.BooleanField(
        _("joint application recorded"),
        default=False,
        help_text=_(
            "Both parties apply (one applying with the other's recorded consent counts as "
            "joint; DOMAIN §1.2)."
        ),
    )
    joint_application_note = models.CharField(
        _("how the parties applied"), max_length=300, blank=True
    )
    window_closes_on = models.DateField(
        _("application window closes on"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PREPARED
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True, editable=False)
    acceptance_due = models.DateField(
        _("court should accept by"), null=True, blank=True, editable=False
    )
    court_case_number = models.CharField(_("court case number"), max_length=64, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    decision_due = models.DateField(
        _("court should decide by"), null=True, blank=True, editable=False
    )
    is_extended = models.BooleanField(_("decision term extended"), default=False, editable=False)
    ruling_on = models.DateField(_("ruling date"), null=True, blank=True, editable=False)
    ruling_document = models.FileField(
        _("ruling (民事裁定书)"), upload_to=ruling_upload_to, blank=True
    )
    outcome_reason = models.TextField(_("reason"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("judicial confirmation")
        verbose_name_plural = _("judicial confirmations")
        ordering = ["-created_at"]
        permissions = [
            ("file_judicialconfirmation", "Can file a confirmation with the court"),
            ("decide_judicialconfirmation", "Can record the court's decisions"),
        ]
        constraints = [
            # One application at a time per agreement (a new one after a refusal is allowed).
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status__in=["prepared", "filed", "accepted"]),
                name="confirmation_one_open_per_agreement",
            ),
            models.UniqueConstraint(
                fields=["court", "court_case_number"],
                condition=~Q(court_case_number=""),
                name="confirmation_court_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["prepared", "withdrawn"]) | Q(filed_on__isnull=False),
                name="confirmation_filed_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "confirmed", "rejected"])
                | (Q(accepted_on__isnull=False) & ~Q(court_case_number="")),
                name="confirmation_accepted_with_number",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "rejected"]) | Q(ruling_on__isnull=False),
                name="confirmation_ruling_date",
            ),
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(accepted_on__gte=F("filed_on")),
                name="confirmation_accepted_after_filing",
            ),
            models.CheckConstraint(
                condition=Q(ruling_on__isnull=True) | Q(ruling_on__gte=F("accepted_on")),
                name="confirmation_ruling_after_acceptance",
            ),
        ]
        indexes = [
            models.Index(fields=["court", "status"]),
            models.Index(fields=["status", "window_closes_on"]),
            models.Index(fields=["status", "decision_due"]),
        ]

    def __str__(self) -> str:
        return str(
            _("Confirmation of %(case)s at %(court)s") % {"case": self.case, "court": self.court}
        )

    def get_absolute_url(self) -> str:
        return reverse("cases:confirmation-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ConfirmationMaterial(models.Model):
    """A document of the application package (DOMAIN §1.4)."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Joint application (司法确认申请书)")
        AGREEMENT = "agreement", _("Signed mediation agreement")
        IDENTITY = "identity", _("Identity documents / business licences of the parties")
        AUTHORITY = "authority", _("Legal representative's ID and letters of authority")
        ORGANISATION = "organisation", _("Proof of the mediation organisation")
        RIGHTS = "rights", _("IP right documents (certificates)")
        CONTACTS = "contacts", _("Addresses for service and phone numbers")
        UNDERTAKING = "undertaking", _("Undertaking letter (承诺书)")
        OTHER = "other", _("Other")

    # Filing is refused without these; the rest of the checklist is recommended.
    REQUIRED = (Kind.APPLICATION, Kind.AGREEMENT, Kind.IDENTITY, Kind.CONTACTS)

    confirmation = models.ForeignKey(
        JudicialConfirmation, on_delete=models.CASCADE, related_name="materials"
    )
    kind = models.CharField(_("document"), max_length=14, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=material_upload_to)
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation material")
        verbose_name_plural = _("confirmation materials")
        ordering = ["confirmation", "kind", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class CourtReferral(TimeStampedModel):
    """诉调对接 (DOMAIN §4): a court delegating (委派, pre-filing) or entrusting (委托, after
    filing) a dispute to mediation, or a failed mediation referred to litigation."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("From a court to mediation")
        OUTBOUND = "outbound", _("From mediation to litigation")

    class Kind(models.TextChoices):
        DELEGATION = "delegation", _("Delegation before filing (委派)")
        ENTRUSTMENT = "entrustment", _("Entrustment after filing (委托)")
        LITIGATION = "litigation", _("Referral to litigation")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement reached")
        RETURNED = "returned", _("Returned to the court without agreement")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        FILED = "filed", _("Filed by the court")
        JUDGMENT = "judgment", _("Judgment")
        COURT_MEDIATION = "court_mediation", _("Settled in court (调解书)")
        DISMISSED = "dismissed", _("Dismissed or not filed")

    INBOUND_OUTCOMES = (Outcome.AGREEMENT, Outcome.RETURNED, Outcome.WITHDRAWN)
    OUTBOUND_OUTCOMES = (
        Outcome.FILED,
        Outcome.JUDGMENT,
        Outcome.COURT_MEDIATION,
        Outcome.WITHDRAWN,
        Outcome.DISMISSED,
    )
    TERM_DAYS = 30  # DOMAIN §4.2: pre-filing mediation term
    MAX_EXTENSION_DAYS = 30  # one extension, with the parties' consent

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="referrals")
    court = models.ForeignKey(
        Organization,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        related_name="referrals",
        limit_choices_to=COURT_ONLY,
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    court_reference = models.CharField(
        _("court reference number"),
        max_length=64,
        blank=True,
        help_text=_("e.g. （2026）闽0602民诉前调12号 for a delegation."),
    )
    referred_on = models.DateField(_("referred on"))
    term_ends_on = models.DateField(_("mediation term ends on"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), default=0)
    extension_consent = models.TextField(_("parties' consent to the extension"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    result = models.TextField(_("result"), blank=True)
    result_on = models.DateField(_("result date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("court referral")
        verbose_name_plural = _("court referrals")
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(direction="inbound") & Q(kind__in=["delegation", "entrustment"]))
                | (Q(direction="outbound") & Q(kind="litigation")),
                name="referral_kind_matches_direction",
            ),
            models.CheckConstraint(
                condition=Q(extension_days__lte=30), name="referral_extension_at_most_30_days"
            ),
            models.CheckConstraint(
                condition=Q(extension_days=0) | ~Q(extension_consent=""),
                name="referral_extension_needs_consent",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(outcome=""))
                | (Q(status="closed") & ~Q(outcome="") & Q(result_on__isnull=False)),
                name="referral_outcome_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(result_on__isnull=True) | Q(result_on__gte=F("referred_on")),
                name="referral_result_after_referral",
            ),
        ]
        indexes = [
            models.Index(fields=["court", "status"]),
            models.Index(fields=["status", "term_ends_on"]),
            models.Index(fields=["direction", "referred_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.court} · {self.case}"

    def get_absolute_url(self) -> str:
        return reverse("cases:referral-detail", args=[self.pk])
