"""Notifications about cases, always sent after the transaction commits.

The assigned mediators and the case's creator (not the actor) get an in-app notification in
the core notification centre and, when they have an address, an e-mail (console backend in
development)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from zhangzhou_ip.core.notifications import notify, send_emails


def notify_case_event(*, case_id: int, verb: str, actor_id: int | None) -> None:
    """Queue a notification for ``verb`` on the case, sent on commit (never on rollback)."""
    transaction.on_commit(lambda: _send(case_id=case_id, verb=verb, actor_id=actor_id))


def _send(*, case_id: int, verb: str, actor_id: int | None) -> None:
    from cases.models import MediationCase
    from cases.templatetags.case_tags import VERB_LABELS

    case = MediationCase.objects.filter(pk=case_id).first()
    if case is None:
        return
    User = get_user_model()
    recipients = User.objects.filter(
        pk__in={case.created_by_id}
        | set(case.assignments.filter(unassigned_at__isnull=True).values_list("user_id", flat=True))
    ).exclude(pk=actor_id)
    # Rendered once for all recipients, in the site's language (not the actor's request).
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(number)s: %(event)s") % {
            "number": case.number or case.title,
            "event": VERB_LABELS.get(verb, verb),
        }
    # This already runs after the commit: send the e-mails now rather than queue them again.
    created = notify(
        recipients,
        verb=verb,
        title=title,
        body=case.title,
        url=case.get_absolute_url(),
        email=False,
    )
    send_emails(created)
