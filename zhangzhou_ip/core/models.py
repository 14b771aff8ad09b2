"""Abstract base models shared by every app, the in-app notification centre, and the
history of Django's accounts and groups that the audit trail reads."""

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
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
