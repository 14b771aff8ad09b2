"""Abstract base models shared by every app, the in-app notification centre, the history of
Django's accounts and groups that the audit trail reads, and the files prepared in the
background ("My downloads")."""

import uuid

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords


class ChoiceLabels:
    """``get_<field>_display()`` for the models that mix this in, without Django's cost per
    call: Django rebuilds a dict of every choice and hashes each lazily translated label —
    16 translations for one dispute type, ~0.1 ms a row of a list page. The labels are kept
    per field (still lazy: each call translates only the one it returns, into the active
    language)."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        labels = field.__dict__.get("_choice_labels")
        try:
            if labels is None:
                labels = dict(field.flatchoices)
                if isinstance(field.choices, (list, tuple)):  # not a callable's: may change
                    field.__dict__["_choice_labels"] = labels
            label = labels.get(value, value)
        except TypeError:  # an unhashable choice (a list in a JSON field): Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)


class TimeStampedModel(ChoiceLabels, models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Notification(TimeStampedModel):
    """One message in a user's in-app notification centre (written by ``core.notifications``).

    ``verb`` is a dotted code (``case.accepted``); ``title`` and ``body`` are stored already
    rendered, in the site's default language, because they are written once for many readers
    and often by a background job with no request language. ``key`` makes a reminder
    idempotent: a user never gets two notifications with the same non-empty key.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    verb = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("idempotence key"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="core_notification_unique_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-created_at"], name="core_notif_inbox_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class AuditTrail(LogEntry):
    """The admin's audit trail page (``core/audit_admin.py``). A proxy without a table of its
    own: it puts the page on the admin index and carries the one permission that opens it to
    staff who are not superusers (``core.view_audittrail``)."""

    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [("view_audittrail", _("Can view the audit trail"))]
        verbose_name = _("audit trail")
        verbose_name_plural = _("audit trail")


class AccountHistory(HistoricalRecords):
    """History of user accounts and groups without the saves Django makes by itself on every
    login (``last_login``) and when it upgrades a password hash: only changes someone made."""

    def post_save(self, instance, created, using=None, **kwargs):
        fields = kwargs.get("update_fields")
        if not created and fields and set(fields) <= {"last_login", "password"}:
            return
        super().post_save(instance, created, using=using, **kwargs)


# Accounts and groups are Django's models: their history lives here. Who holds which rights
# (staff, superuser, groups, permissions) is what an audit asks first; password hashes and
# login times are never copied.
register(
    User,
    app="zhangzhou_ip.core",
    records_class=AccountHistory,
    excluded_fields=["password", "last_login"],
    m2m_fields=["groups", "user_permissions"],
)
register(Group, app="zhangzhou_ip.core", records_class=AccountHistory, m2m_fields=["permissions"])


def _download_path(instance: "PreparedDownload", filename: str) -> str:
    # A random directory per file: names never collide and cannot be guessed from the id.
    # Files are never served by path; the download view checks the owner.
    return f"downloads/{instance.owner_id}/{uuid.uuid4().hex}/{filename}"


class PreparedDownload(models.Model):
    """A file built in the background for its owner (``zhangzhou_ip/core/downloads.py``): a
    list export above ``EXPORT_INLINE_MAX_ROWS`` rows or a report PDF. It keeps the request
    that asked for it — path and query, language, time zone, site — and never a queryset:
    the task runs that list again as the owner, so the file holds what the owner may see
    when it is built. Only the owner sees it (pages, API); it expires after
    ``DOWNLOAD_RETENTION_HOURS`` (``manage.py purge_downloads``)."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("List export")
        REPORT = "report", _("Report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="prepared_downloads",
        verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file_format = models.CharField(_("format"), max_length=8)
    # What is run again in the background: the page's path and query string, as the owner.
    source_url = models.CharField(_("source"), max_length=2000)
    site = models.CharField(_("site"), max_length=300)  # scheme://host, for absolute links
    language = models.CharField(_("language"), max_length=16)
    time_zone = models.CharField(_("time zone"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to=_download_path, max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("prepared download")
        verbose_name_plural = _("prepared downloads")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="core_download_owner_idx"),
            models.Index(fields=["expires_at"], name="core_download_expiry_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def source_page(self) -> str:
        """The page the file was asked from (its filters and sort, without ``format``)."""
        path, _sep, query = self.source_url.partition("?")
        params = QueryDict(query, mutable=True)
        params.pop("format", None)
        return f"{path}?{params.urlencode()}" if params else path
