"""At every login: start the session clock and remember whether the user has a second
factor (so the two-factor check costs no query per request)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from zhangzhou_ip.accounts import sessions, two_factor


@receiver(user_logged_in, dispatch_uid="accounts.session_policy_at_login")
def _at_login(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    sessions.start(session)
    two_factor.remember_enrolment(session, user)
