"""The alliance directory: regions, organisations, memberships, IP rights, and the holiday
calendar overrides used by statutory deadlines (DESIGN §4, DOMAIN §2 and §5)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from zhangzhou_ip.core.models import TimeStampedModel


class Region(models.Model):
    """An administrative division by its GB/T 2260 code.

    Codes retired by a re-organisation (e.g. 350681 龙海市 → 350604 龙海区 in 2021) are kept
    with ``valid_to`` because USCCs, court codes and old case files still carry them
    (DOMAIN §5.f).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture-level city")
        COUNTY = "county", _("County-level division")

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    abbreviation = models.CharField(
        _("abbreviation"),
        max_length=3,
        blank=True,
        help_text=_("Province-level abbreviation used in court codes, e.g. 闽 for Fujian."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Empty while the code is current.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Administrators' edits (the reference data loader writes in bulk, without history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-9][0-9]{5}$"), name="region_code_six_digits"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="region_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True)
                | (~Q(level="province") & Q(parent__isnull=False)),
                name="region_parent_matches_level",
            ),
        ]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def province(self) -> Region:
        region = self
        while region.parent_id is not None:
            region = region.parent
        return region

    @property
    def city(self) -> Region | None:
        """The prefecture-level city this region belongs to (itself when it is one)."""
        if self.level == self.Level.CITY:
            return self
        if self.level == self.Level.COUNTY:
            return self.parent
        return None


class Organization(TimeStampedModel):
    """Any body in the directory: member bureaus, committees, centres, service points, courts
    and enterprises. The kind says *where* a member works; roles say *what* they may do."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Market-regulation bureau")
        MEDIATION_COMMITTEE = "mediation_committee", _("Mediation committee")
        PROTECTION_CENTER = "protection_center", _("IP protection centre")
        SERVICE_POINT = "service_point", _("Service point")
        COURT = "court", _("Court")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    class CourtLevel(models.TextChoices):
        BASIC = "basic", _("Basic people's court")
        INTERMEDIATE = "intermediate", _("Intermediate people's court")
        IP_TRIBUNAL = "ip_tribunal", _("IP court / tribunal")
        HIGH = "high", _("High people's court")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    uscc = models.CharField(
        _("USCC"),
        max_length=18,
        blank=True,
        help_text=_("Unified social credit code (统一社会信用代码), 18 characters."),
    )
    uscc_check_waived = models.CharField(
        _("USCC check waived because"),
        max_length=200,
        blank=True,
        help_text=_("Only for real codes that fail the checksum; say why (DOMAIN §5.a)."),
    )
    alliance_joined_on = models.DateField(
        _("joined the alliance on"),
        null=True,
        blank=True,
        help_text=_("Set for alliance members."),
    )
    court_code = models.CharField(
        _("court code"),
        max_length=8,
        blank=True,
        help_text=_("法院代字 used in case numbers, e.g. 闽0602."),
    )
    court_level = models.CharField(
        _("court level"), max_length=16, choices=CourtLevel.choices, blank=True
    )
    is_key_enterprise = models.BooleanField(_("key enterprise"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~Q(uscc=""), name="organization_uscc_unique"
            ),
            models.UniqueConstraint(
                fields=["court_code"],
                condition=~Q(court_code=""),
                name="organization_court_code_unique",
            ),
            models.CheckConstraint(
                condition=~Q(kind="enterprise") | ~Q(uscc=""),
                name="organization_enterprise_has_uscc",
            ),
            models.CheckConstraint(
                condition=Q(kind="court", court_code__gt="", court_level__gt="")
                | (~Q(kind="court") & Q(court_code="", court_level="")),
                name="organization_court_fields_only_for_courts",
            ),
            models.CheckConstraint(
                condition=Q(uscc="") | Q(uscc__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="organization_uscc_charset",
            ),
            models.CheckConstraint(
                condition=Q(is_key_enterprise=False) | Q(kind="enterprise"),
                name="organization_key_flag_only_for_enterprises",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "name"]),
            models.Index(fields=["alliance_joined_on"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("alliance:organization-detail", args=[self.pk])

    @property
    def is_member(self) -> bool:
        return self.alliance_joined_on is not None

    def clean_fields(self, exclude=None) -> None:
        from alliance.validators import normalize_uscc

        # Normalise before the 18-character limit is checked: "9135 0600 …" is fine input.
        self.uscc = normalize_uscc(self.uscc or "")
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Normalise and validate the USCC and the court fields (DOMAIN §5.a, §1.9)."""
        from alliance.validators import normalize_uscc, validate_uscc

        errors: dict[str, list] = {}
        self.uscc = normalize_uscc(self.uscc or "")
        if self.uscc and not self.uscc_check_waived:
            try:
                validate_uscc(self.uscc)
            except ValidationError as exc:
                errors.setdefault("uscc", []).extend(exc.error_list)
        others = Organization.objects.exclude(pk=self.pk) if self.pk else Organization.objects
        if self.uscc and others.filter(uscc=self.uscc).exists():
            errors.setdefault("uscc", []).append(
                ValidationError(
                    _("An organisation with USCC %(uscc)s is already registered."),
                    code="duplicate",
                    params={"uscc": self.uscc},
                )
            )
        if self.court_code and others.filter(court_code=self.court_code).exists():
            errors.setdefault("court_code", []).append(
                ValidationError(
                    _("Court code %(code)s belongs to another court."),
                    code="duplicate",
                    params={"code": self.court_code},
                )
            )
        if self.kind == self.Kind.ENTERPRISE and not self.uscc:
            errors.setdefault("uscc", []).append(
                ValidationError(_("An enterprise needs its USCC."), code="required")
            )
        if self.kind == self.Kind.COURT:
            if not self.court_code:
                errors.setdefault("court_code", []).append(
                    ValidationError(_("A court needs its court code."), code="required")
                )
            if not self.court_level:
                errors.setdefault("court_level", []).append(
                    ValidationError(_("A court needs its level."), code="required")
                )
        else:
            if self.court_code:
                errors.setdefault("court_code", []).append(
                    ValidationError(_("Only courts have a court code."), code="not_court")
                )
            self.court_level = ""
        if self.is_key_enterprise and self.kind != self.Kind.ENTERPRISE:
            errors.setdefault("is_key_enterprise", []).append(
                ValidationError(
                    _("Only enterprises can be key enterprises."), code="not_enterprise"
                )
            )
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors.setdefault("parent", []).append(
                ValidationError(_("An organisation cannot be its own parent."), code="cycle")
            )
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Membership(TimeStampedModel):
    """A user's role in an organisation. A user may hold several."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEDIATOR = "mediator", _("Mediator")
        CLERK = "clerk", _("Clerk")
        LIAISON = "liaison", _("Court liaison")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class IntellectualProperty(TimeStampedModel):
    """A registered (or unregistered, for trade secrets) IP right of an organisation."""

    class Kind(models.TextChoices):
        INVENTION_PATENT = "invention_patent", _("Invention patent")
        UTILITY_MODEL = "utility_model", _("Utility model patent")
        DESIGN_PATENT = "design_patent", _("Design patent")
        TRADEMARK = "trademark", _("Trademark")
        COPYRIGHT = "copyright", _("Copyright")
        SOFTWARE_COPYRIGHT = "software_copyright", _("Software copyright")
        GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")
        TRADE_SECRET = "trade_secret", _("Trade secret")

    PATENT_KINDS = (Kind.INVENTION_PATENT, Kind.UTILITY_MODEL, Kind.DESIGN_PATENT)
    MARK_KINDS = (Kind.TRADEMARK, Kind.GEOGRAPHICAL_INDICATION)

    owner = models.ForeignKey(
        Organization,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="ip_rights",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, db_index=True)
    number = models.CharField(
        _("number"),
        max_length=64,
        blank=True,
        help_text=_("Patent, trademark or registration number; empty only for trade secrets."),
    )
    title = models.CharField(_("title"), max_length=200)
    nice_class = models.PositiveSmallIntegerField(
        _("Nice class"), null=True, blank=True, help_text=_("Trademarks: class 1–45.")
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    granted_on = models.DateField(_("granted / registered on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("IP right")
        verbose_name_plural = _("IP rights")
        ordering = ["kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"], condition=~Q(number=""), name="ip_kind_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="trade_secret") | ~Q(number=""), name="ip_number_required"
            ),
            models.CheckConstraint(
                condition=Q(nice_class__isnull=True)
                | Q(
                    nice_class__gte=1,
                    nice_class__lte=45,
                    kind__in=["trademark", "geographical_indication"],
                ),
                name="ip_nice_class_range",
            ),
            models.CheckConstraint(
                condition=Q(granted_on__isnull=True)
                | Q(filed_on__isnull=True)
                | Q(granted_on__gte=models.F("filed_on")),
                name="ip_granted_after_filed",
            ),
        ]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display_number} {self.title}".strip()

    def clean(self) -> None:
        """Normalise the number to its canonical form and validate it for the kind
        (DOMAIN §5.b–§5.e)."""
        from alliance import validators

        errors: dict[str, list] = {}
        number = (self.number or "").strip()
        try:
            if number:
                number = validators.normalize_identifier_for_ip_kind(self.kind, number)
            if number or self.kind != self.Kind.TRADE_SECRET:
                validators.validate_identifier_for_ip_kind(self.kind, number)
        except ValidationError as exc:
            errors["number"] = exc.error_list
        self.number = number
        if number and "number" not in errors:
            others = IntellectualProperty.objects.filter(kind=self.kind, number=number)
            if self.pk:
                others = others.exclude(pk=self.pk)
            if others.exists():
                errors["number"] = [
                    ValidationError(
                        _("This %(kind)s number is already recorded."),
                        code="duplicate",
                        params={"kind": self.get_kind_display()},
                    )
                ]
        if self.nice_class is not None and self.kind not in self.MARK_KINDS:
            errors["nice_class"] = [
                ValidationError(_("Only trademarks have a Nice class."), code="not_mark")
            ]
        if self.filed_on and self.granted_on and self.granted_on < self.filed_on:
            errors["granted_on"] = [
                ValidationError(_("The grant date cannot be before the filing date."), code="order")
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def display_number(self) -> str:
        if self.kind in self.PATENT_KINDS and self.number:
            return "ZL" + self.number
        if self.kind in self.MARK_KINDS and self.number:
            return f"第{self.number}号"
        return self.number


class CourtJurisdiction(models.Model):
    """Which intermediate court hears first-instance IP disputes of a group for a region
    (法释〔2022〕13号): the data behind routing judicial confirmations to an intermediate
    court (CPL 2023 art. 205(2), DOMAIN §1.3). Loaded from ``data/court_jurisdiction.csv``;
    administrators add rows for other provinces. Disputes of the general group go to basic
    courts and need no row."""

    class Scope(models.TextChoices):
        TECHNICAL = (
            "technical",
            _("Technical IP (invention, utility model, software, technical secrets)"),
        )
        DESIGN = "design", _("Design patents")

    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="court_jurisdictions",
        help_text=_("A prefecture-level city (or a province for a province-wide rule)."),
    )
    scope = models.CharField(_("dispute group"), max_length=12, choices=Scope.choices)
    court = models.ForeignKey(
        Organization,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        related_name="jurisdictions",
        limit_choices_to={"kind": "court"},
    )
    note = models.CharField(_("source / note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("IP court jurisdiction")
        verbose_name_plural = _("IP court jurisdictions")
        ordering = ["region__code", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["region", "scope"], name="court_jurisdiction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.get_scope_display()} → {self.court}"


class HolidayYear(models.Model):
    """A year whose official holiday schedule an administrator entered (国务院办公厅 notice).

    When present it is authoritative for that year; it covers years the chinesecalendar
    package does not know yet and corrects it where needed (DOMAIN §2 rule 6)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_(
            "The State Council notice, e.g. 国办发明电〔2026〕号. Once a year is entered it "
            "replaces the built-in calendar for that year: enter every holiday and every "
            "make-up working day of the notice."
        ),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="holiday_year_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


class HolidayDate(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Statutory holiday (rest day)")
        WORKDAY = "workday", _("Make-up working day")

    year = models.ForeignKey(
        HolidayYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="dates"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday date")
        verbose_name_plural = _("holiday dates")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
