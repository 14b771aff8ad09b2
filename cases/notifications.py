"""Notifications about cases, always sent after the transaction commits.

Issue 4 adds the in-app notification centre; for now the assigned mediators and the case's
creator get an e-mail (console backend in development)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def notify_case_event(*, case_id: int, verb: str, actor_id: int | None) -> None:
    """Queue a notification for ``verb`` on the case, sent on commit (never on rollback)."""
    transaction.on_commit(lambda: _send(case_id=case_id, verb=verb, actor_id=actor_id))


def _send(*, case_id: int, verb: str, actor_id: int | None) -> None:
    from cases.models import MediationCase

    case = MediationCase.objects.filter(pk=case_id).select_related("created_by").first()
    if case is None:
        return
    User = get_user_model()
    recipients = User.objects.filter(
        pk__in={case.created_by_id}
        | set(case.assignments.filter(unassigned_at__isnull=True).values_list("user_id", flat=True))
    ).exclude(pk=actor_id)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[zhangzhou_ip] %(number)s: %(event)s") % {
            "number": case.number or case.title,
            "event": verb,
        }
        for user in recipients:
            if user.email:
                messages.append((subject, case.title, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if messages:
        try:
            send_mass_mail(messages, fail_silently=False)
        except Exception:  # a mail outage must never undo or break a committed action
            logger.exception("case notification %s for case %s failed", verb, case_id)
