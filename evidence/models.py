"""益企证 evidence records, their blobs, the ledger, custody log and retrieval requests.

Records, withdrawals, ledger nodes, checkpoints and access events are append-only: the
models refuse to save an existing row or delete one, the querysets refuse bulk updates and
deletes, the admin and API offer no change, and on PostgreSQL a trigger refuses ``UPDATE`` and
``DELETE`` (migration 0002). A mistaken deposit is withdrawn or corrected by a new ledger
entry that refers to it; ``audit_ledger`` detects any change made behind the application's back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import Organization
from zhangzhou_ip.core.errors import DomainError
from zhangzhou_ip.core.models import ChoiceLabels, TimeStampedModel


class ImmutableError(DomainError):
    """Someone tried to change or delete an append-only row."""


def _refuse(model: str) -> None:
    raise ImmutableError(
        _("%(model)s cannot be changed or deleted; withdraw or correct it with a new entry.")
        % {"model": model},
        code="immutable",
    )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(str(self.model._meta.verbose_name_plural))

    def delete(self):
        _refuse(str(self.model._meta.verbose_name_plural))

    # ``bulk_update`` ends in ``update``; ``update_or_create`` in ``save``.


class AppendOnlyModel(ChoiceLabels, models.Model):
    """Inserted once, never updated or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse(str(self._meta.verbose_name))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse(str(self._meta.verbose_name))


class Category(models.TextChoices):
    PRODUCT = "product", _("Product and packaging")
    LISTING = "listing", _("Online listing or web page")
    TRANSACTION = "transaction", _("Purchase or sales record")
    PROMOTION = "promotion", _("Advertising and promotion")
    DESIGN = "design", _("Design or technical document")
    CONTRACT = "contract", _("Contract or licence")
    CERTIFICATE = "certificate", _("Rights certificate")
    OTHER = "other", _("Other")


class EvidenceBlob(models.Model):
    """Stored content, addressed by its SHA-256: identical content is stored once."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    size = models.BigIntegerField(_("size (bytes)"))
    sm3 = models.CharField(_("SM3"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("first stored at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence blob")
        verbose_name_plural = _("evidence blobs")
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="evidence_blob_size")]

    def __str__(self) -> str:
        return self.sha256

    @property
    def storage_name(self) -> str:
        return blob_storage_name(self.sha256)


def blob_storage_name(sha256: str) -> str:
    """Where the content with this hash lives in the evidence storage."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class EvidenceNumberCounter(models.Model):
    """Last record number per year; read under the ledger lock, so numbers are gapless."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class EvidenceRecord(AppendOnlyModel):
    """One deposit (存证). Immutable once written; its canonical leaf is in the ledger."""

    # the texts the search box matches and the stored bigrams hold (evidence 0004;
    # zhangzhou_ip.core.search.contains_any)
    search_bigram_fields = ("number", "title", "original_name", "source_url")

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        WEB_CAPTURE = "web_capture", _("Web capture")
        TEXT = "text", _("Text")

    number = models.CharField(_("record number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    depositor = models.ForeignKey(
        Organization,
        verbose_name=_("depositor"),
        on_delete=models.PROTECT,
        related_name="evidence_records",
    )
    service_point = models.ForeignKey(
        Organization,
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="evidence_served",
        null=True,
        blank=True,
    )
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deposited by"),
        on_delete=models.PROTECT,
        related_name="evidence_deposits",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    blob = models.ForeignKey(
        EvidenceBlob,
        verbose_name=_("content"),
        on_delete=models.PROTECT,
        related_name="records",
        db_column="sha256",
    )
    size = models.BigIntegerField(_("size (bytes)"))
    media_type = models.CharField(_("media type"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    source_url = models.URLField(_("captured URL"), max_length=2000, blank=True)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    deposited_at = models.DateTimeField(_("deposited at"), db_index=True)
    ledger_index = models.BigIntegerField(_("ledger index"), unique=True)
    salt = models.CharField(_("commitment salt"), max_length=32)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("evidence record")
        verbose_name_plural = _("evidence records")
        ordering = ["-deposited_at", "-pk"]
        indexes = [
            models.Index(fields=["depositor", "-deposited_at"], name="evidence_depositor_idx"),
            models.Index(fields=["service_point", "-deposited_at"], name="evidence_point_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_record_size"),
            models.CheckConstraint(condition=Q(ledger_index__gte=0), name="evidence_record_index"),
            models.CheckConstraint(
                condition=~Q(kind="web_capture") | ~Q(source_url=""),
                name="evidence_capture_has_url",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("evidence:detail", args=[self.pk])

    @property
    def sha256(self) -> str:
        return self.blob_id

    @property
    def is_withdrawn(self) -> bool:
        return hasattr(self, "withdrawal")


class EvidenceWithdrawal(AppendOnlyModel):
    """A depositor's withdrawal of a record: a new ledger entry; the record stays."""

    record = models.OneToOneField(
        EvidenceRecord,
        verbose_name=_("record"),
        on_delete=models.PROTECT,
        related_name="withdrawal",
    )
    reason = models.TextField(_("reason"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"))
    ledger_index = models.BigIntegerField(_("ledger index"), unique=True)
    salt = models.CharField(_("commitment salt"), max_length=32)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self) -> str:
        return f"{self.record.number} ({self.withdrawn_at:%Y-%m-%d})"


class LedgerHead(models.Model):
    """The one row that holds the ledger's size; locked by every append."""

    size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger head")

    def __str__(self) -> str:
        return str(self.size)


class LedgerNode(AppendOnlyModel):
    """A perfect subtree hash: level 0 are leaf hashes, level k covers 2**k leaves."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("ledger node")
        verbose_name_plural = _("ledger nodes")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="evidence_node_unique")
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.index}"


class Checkpoint(AppendOnlyModel):
    """A signed tree head in the C2SP tlog-checkpoint format (the full signed note)."""

    tree_size = models.BigIntegerField(_("tree size"), db_index=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed checkpoint"))
    created_at = models.DateTimeField(_("signed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["-tree_size", "-pk"]

    def __str__(self) -> str:
        return f"{self.tree_size} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def root_hex(self) -> str:
        return bytes(self.root_hash).hex()


class AccessEvent(AppendOnlyModel):
    """Chain of custody: who viewed, downloaded, exported or verified a record, and why."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded the content")
        CERTIFICATE = "certificate", _("Downloaded the certificate")
        RECEIPT = "receipt", _("Downloaded the receipt")
        EXPORT = "export", _("Exported")
        VERIFY = "verify", _("Verified")

    record = models.ForeignKey(
        EvidenceRecord,
        verbose_name=_("record"),
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["record", "-at"], name="evidence_access_record_idx")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class RetrievalRequest(TimeStampedModel):
    """取证: an enterprise asks a service point to collect evidence for it."""

    class Kind(models.TextChoices):
        WEB_CAPTURE = "web_capture", _("Web capture")
        TEST_PURCHASE = "test_purchase", _("Test purchase")
        ONSITE_PHOTOS = "onsite_photos", _("On-site photos")
        OTHER = "other", _("Other collection")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.REQUESTED, Status.ACCEPTED)

    enterprise = models.ForeignKey(
        Organization,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="retrieval_requests",
    )
    service_point = models.ForeignKey(
        Organization,
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="retrieval_requests_received",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("what to collect"), blank=True)
    target_url = models.URLField(_("target URL"), max_length=2000, blank=True)
    due_date = models.DateField(_("wanted by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    outcome = models.TextField(_("outcome"), blank=True)
    records = models.ManyToManyField(
        EvidenceRecord,
        verbose_name=_("records produced"),
        related_name="retrieval_requests",
        blank=True,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("retrieval request")
        verbose_name_plural = _("retrieval requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["service_point", "status"], name="evidence_retrieval_point_idx"),
            models.Index(fields=["enterprise", "status"], name="evidence_retrieval_ent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("evidence:retrieval-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class RetrievalEvent(models.Model):
    """Timeline of a retrieval request (one row per service action)."""

    request = models.ForeignKey(
        RetrievalRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    verb = models.CharField(_("event"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("retrieval event")
        verbose_name_plural = _("retrieval events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.verb}"
