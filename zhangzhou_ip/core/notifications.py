"""The in-app notification centre: who is told what, once, and by e-mail after the commit.

Any app tells users about something with ``notify(recipients, verb=..., title=...)``. It
writes one ``Notification`` per recipient (the bell in the navbar and ``/notifications/``)
and e-mails those with an address once the surrounding transaction commits — never when it
rolls back, and a mail outage never breaks the caller.

Titles and bodies are stored as rendered text, so callers render them in the site's
language: ``with translation.override(settings.LANGUAGE_CODE): title = _("…") % {...}``.
A request's language would leak one user's choice into every recipient's notification.

A non-empty ``key`` makes the notification idempotent per recipient (a database constraint,
so two reminder runs racing each other still create one row): the same reminder is never
sent twice to the same user.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import django_filters
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from zhangzhou_ip.core.models import Notification

logger = logging.getLogger(__name__)

TITLE_MAX = Notification._meta.get_field("title").max_length


# --- reads ------------------------------------------------------------------------------------


def notification_visible_to(user) -> QuerySet[Notification]:
    """A user's own notifications, newest first. Nobody — not even a superuser — reads
    another user's notifications through the pages or the API (the admin is for operators)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """How many of the user's notifications are unread (one query on the inbox index)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


class NotificationFilterSet(django_filters.FilterSet):
    """Filters of the notification list, shared by ``/notifications/`` and the API."""

    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread only")
    )

    class Meta:
        model = Notification
        fields = ["unread"]


# --- writes -----------------------------------------------------------------------------------


def notify(
    recipients: Iterable,
    *,
    verb: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each active recipient once: an in-app notification and, after the commit, an
    e-mail to those with an address.

    ``title``/``body`` are already rendered (in ``settings.LANGUAGE_CODE``); ``url`` is a
    site-relative link (``/cases/42/``). With a ``key``, recipients who already have a
    notification with that key are skipped — also when a concurrent call created it first.
    Returns the notifications created now, so a reminder command can count what it sent.
    """
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"Notification links are site-relative paths, not {url!r}.")
    users: dict[int, object] = {}
    for user in recipients:
        if user.is_active and user.pk not in users:
            users[user.pk] = user
    if key and users:
        already = Notification.objects.filter(key=key, recipient__in=list(users)).values_list(
            "recipient_id", flat=True
        )
        for pk in already:
            users.pop(pk, None)
    title = Truncator(str(title)).chars(TITLE_MAX)
    rows = [
        Notification(recipient=user, verb=verb, title=title, body=body, url=url, key=key)
        for user in users.values()
    ]
    created = _insert(rows) if key else Notification.objects.bulk_create(rows)
    if email and created:
        transaction.on_commit(lambda: send_emails(created))
    return created


def notify_many(rows: list[Notification], *, email: bool = True) -> list[Notification]:
    """Store ready-made notifications for many recipients and subjects in one insert (for
    batch senders such as reminders, whose query count must not grow with the batch). Rows
    whose (recipient, key) exists already — e.g. from a concurrent run — are dropped; e-mails
    go out after the commit. Returns the rows created."""
    created = _insert(rows)
    if email and created:
        transaction.on_commit(lambda: send_emails(created))
    return created


def _insert(rows: list[Notification]) -> list[Notification]:
    """Insert keyed rows; those a concurrent caller inserted since our check are dropped."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        pass
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue
        created.append(row)
    return created


def send_emails(notifications: Sequence[Notification]) -> None:
    """E-mail each notification to its recipient, if they have an address; log failures.

    ``notify`` calls this on commit. Code that already runs after the commit (an
    ``on_commit`` callback) may call ``notify(..., email=False)`` and then this directly.
    """
    messages = []
    for notification in notifications:
        address = notification.recipient.email
        if not address:
            continue
        text = notification.body
        if notification.url:
            text = f"{text}\n\n{notification.url}".strip()
        subject = f"[zhangzhou_ip] {notification.title}"
        messages.append((subject, text, settings.DEFAULT_FROM_EMAIL, [address]))
    if not messages:
        return
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # a mail outage must never undo or break a committed action
        logger.exception(
            "notification e-mail failed (%s)", ", ".join(sorted({n.verb for n in notifications}))
        )


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (``ids=None``: all of them); others' ids are
    ignored. Returns how many changed from unread to read."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    now = timezone.now()
    return queryset.update(read_at=now, updated_at=now)


def withdraw(user_ids: Iterable[int], *, url_prefix: str) -> int:
    """Delete the given users' notifications that link under ``url_prefix`` — when they lose
    access to what the link shows (e.g. a revoked share). Returns how many were deleted."""
    ids = list(user_ids)
    if not ids or not url_prefix.startswith("/"):
        return 0
    deleted, _per_model = Notification.objects.filter(
        recipient__in=ids, url__startswith=url_prefix
    ).delete()
    return deleted
