"""Mediation cases and what belongs to them (DESIGN §4–§5, DOMAIN §3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from alliance.models import IntellectualProperty, Organization, Region
from alliance.validators import mask_resident_id
from cases.choices import (
    DisputeType,
    MediationKind,
    PartyKind,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from zhangzhou_ip.core.models import TimeStampedModel

NON_NEGATIVE = [MinValueValidator(Decimal("0.00"))]
DEFAULT_NUMBER_TEMPLATE = "{city}知调〔{year}〕第{seq:04d}号"


class CaseNumbering(models.Model):
    """How an organisation numbers its cases. Without a row the default template applies
    with the first character of the organisation's city (漳知调〔2026〕第0001号)."""

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="case_numbering",
    )
    template = models.CharField(
        _("number template"),
        max_length=60,
        default=DEFAULT_NUMBER_TEMPLATE,
        help_text=_(
            "Placeholders: {year}, {seq} (e.g. {seq:04d} for 0001) and {city} (first character "
            "of the city name)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case numbering")
        verbose_name_plural = _("case numbering")

    def __str__(self) -> str:
        return f"{self.organization}: {self.template}"


class CaseNumberCounter(models.Model):
    """The last number handed out per organisation and year; locked while a number is
    allocated so numbers are gapless and unique under concurrency."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}: {self.last_value}"


class MediationCase(TimeStampedModel):
    # the texts the search box matches and the stored bigrams hold (cases 0011;
    # zhangzhou_ip.core.search.contains_any)
    search_bigram_fields = ("number", "title")

    handling_organization = models.ForeignKey(
        Organization,
        verbose_name=_("handling organisation"),
        on_delete=models.PROTECT,
        related_name="handled_cases",
        db_index=False,  # led by the (handling_organization, id) index below
    )
    number = models.CharField(_("case number"), max_length=64, blank=True)
    number_year = models.PositiveSmallIntegerField(_("number year"), null=True, blank=True)
    number_seq = models.PositiveIntegerField(_("number sequence"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    facts = models.TextField(_("facts and claims"), blank=True)
    dispute_type = models.CharField(_("dispute type"), max_length=32, choices=DisputeType.choices)
    mediation_kind = models.CharField(
        _("mediation kind"),
        max_length=20,
        choices=MediationKind.choices,
        default=MediationKind.PEOPLES,
    )
    source = models.CharField(
        _("source"), max_length=32, choices=Source.choices, default=Source.DIRECT
    )
    claim_amount = models.DecimalField(
        _("claim amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    settled_amount = models.DecimalField(
        _("settled amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    is_online = models.BooleanField(_("online mediation"), default=True)
    is_cross_region = models.BooleanField(
        _("cross-region"),
        default=False,
        help_text=_("A party's city differs from the handling organisation's (set automatically)."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    received_on = models.DateField(_("received on"), null=True, blank=True, editable=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    mediation_deadline = models.DateField(
        _("mediation deadline"), null=True, blank=True, editable=False
    )
    outcome_reason = models.TextField(_("reason"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CaseAssignment",
        through_fields=("case", "user"),
        related_name="assigned_cases",
        verbose_name=_("mediators"),
        blank=True,
    )
    evidence = models.ManyToManyField(
        "evidence.EvidenceRecord",
        related_name="cited_in_cases",
        verbose_name=_("evidence"),
        blank=True,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-created_at"]
        permissions = [
            ("transition_mediationcase", "Can move a case through its workflow"),
            ("assign_mediationcase", "Can assign mediators to a case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["handling_organization", "number"],
                condition=~Q(number=""),
                name="case_number_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["handling_organization", "number_year", "number_seq"],
                condition=Q(number_seq__isnull=False),
                name="case_number_seq_unique_per_org_year",
            ),
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(number=""))
                | (~Q(status="draft") & ~Q(number="") & Q(received_on__isnull=False)),
                name="case_number_iff_submitted",
            ),
            models.CheckConstraint(
                condition=Q(claim_amount__isnull=True) | Q(claim_amount__gte=0),
                name="case_claim_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(settled_amount__isnull=True) | Q(settled_amount__gte=0),
                name="case_settled_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "mediating", "settled", "failed"])
                | Q(accepted_on__isnull=False),
                name="case_accepted_date_when_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "withdrawn", "closed"])
                | Q(closed_on__isnull=False),
                name="case_closed_date_when_finished",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(received_on__isnull=True)
                | Q(closed_on__gte=F("received_on")),
                name="case_closed_after_received",
            ),
        ]
        indexes = [
            # the ids of an organisation's cases from the index alone (index-only scan): the
            # handling side's part of every visibility test (cited evidence: 50 → 12 ms)
            models.Index(fields=["handling_organization", "id"]),
            models.Index(fields=["handling_organization", "status"]),
            models.Index(fields=["status", "received_on"]),
            models.Index(fields=["dispute_type"]),
            models.Index(fields=["source"]),
            models.Index(fields=["is_cross_region"]),
            models.Index(fields=["received_on"]),
            models.Index(fields=["number"]),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('draft')} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.ACCEPTED, Status.MEDIATING)


class CaseAssignment(models.Model):
    """A mediator on a case; unassigning keeps the row with the time it ended."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mediator"), on_delete=models.PROTECT
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    unassigned_at = models.DateTimeField(_("unassigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case assignment")
        verbose_name_plural = _("case assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(unassigned_at__isnull=True),
                name="case_assignment_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.case}"


class Party(TimeStampedModel):
    search_bigram_fields = ("name",)  # cases 0011; zhangzhou_ip.core.search

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=PartyKind.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_parties",
    )
    name = models.CharField(_("name"), max_length=200)
    id_number = models.CharField(
        _("resident ID number"),
        max_length=18,
        blank=True,
        help_text=_("Natural persons: 18-character resident ID number; shown masked."),
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True
    )
    address = models.CharField(_("address for service"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    agent_name = models.CharField(_("agent"), max_length=100, blank=True)
    agent_phone = models.CharField(_("agent's phone"), max_length=30, blank=True)
    # The history keeps the resident ID number masked only (see _mask_party_id_number).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="organization", organization__isnull=False, id_number="")
                    | Q(kind="person", organization__isnull=True)
                ),
                name="party_kind_fields",
            )
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


@receiver(pre_create_historical_record)
def _mask_party_id_number(sender, instance, history_instance, **kwargs) -> None:
    """A party's history records that its resident ID number changed (first 6 and last 4
    characters), never the number itself: the full number lives in one row only."""
    if isinstance(instance, Party) and history_instance.id_number:
        history_instance.id_number = mask_resident_id(history_instance.id_number)


class CaseRight(models.Model):
    """An IP right in dispute: a registered right of the directory, or a number and a
    description when it is not registered here."""

    search_bigram_fields = ("number", "description")  # cases 0011; zhangzhou_ip.core.search

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="rights")
    intellectual_property = models.ForeignKey(
        IntellectualProperty,
        verbose_name=_("IP right"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_rights",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=IntellectualProperty.Kind.choices)
    number = models.CharField(_("number"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("right in dispute")
        verbose_name_plural = _("rights in dispute")
        constraints = [
            models.CheckConstraint(
                condition=Q(intellectual_property__isnull=False)
                | ~Q(number="")
                | ~Q(description=""),
                name="case_right_identified",
            )
        ]
        indexes = [models.Index(fields=["kind", "number"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or self.description}"


class MediationSession(TimeStampedModel):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("room / place"), max_length=200, blank=True)
    online_link = models.URLField(_("online meeting link"), blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=SessionOutcome.choices, blank=True
    )
    recorded_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(location="") | ~Q(online_link=""),
                name="session_has_a_place",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return f"{self.case} @ {self.starts_at:%Y-%m-%d %H:%M}"


def agreement_upload_to(instance: Agreement, filename: str) -> str:
    # Never a user-chosen path: the stored name is derived from the case id only.
    return f"cases/{instance.case_id}/agreement{safe_extension(filename)}"


def safe_extension(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f".{suffix}" if suffix in {"pdf", "jpg", "jpeg", "png"} else ""


class Agreement(TimeStampedModel):
    """The mediation agreement (调解协议书). Effective when all parties and the mediator have
    signed and the committee's seal is affixed (People's Mediation Law art. 29)."""

    case = models.OneToOneField(MediationCase, on_delete=models.CASCADE, related_name="agreement")
    terms = models.TextField(_("terms"))
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    performance_deadline = models.DateField(_("performance deadline"), null=True, blank=True)
    signatories = models.TextField(_("signatories"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    is_ownership_determination = models.BooleanField(
        _("ownership determination (确权)"),
        default=False,
        help_text=_(
            "The agreement determines who owns an IP right; courts will not confirm it "
            "(DOMAIN §1.6)."
        ),
    )
    document = models.FileField(_("signed document"), upload_to=agreement_upload_to, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="agreement_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True)
                | (Q(signed_on__isnull=False) & Q(effective_on__gte=F("signed_on"))),
                name="agreement_effective_after_signed",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Agreement of %(case)s") % {"case": self.case})

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None


class CaseEvent(models.Model):
    """The timeline. Written by services only; never edited or deleted."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(_("event"), max_length=64)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Timeline events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Timeline events are never deleted.")
