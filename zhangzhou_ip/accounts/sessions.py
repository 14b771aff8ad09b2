"""The session policy: a login lasts at most ``SESSION_COOKIE_AGE`` (absolute) and ends after
``SESSION_IDLE_MINUTES`` without a request (idle). Decision 0015.

Django alone gives neither: a session's expiry moves forward whenever the session is saved
(a message, a language switch, a form wizard), so "8 hours" is not counted from the login.
The login time and the last request are therefore kept in the session itself and checked
by :class:`SessionPolicyMiddleware`. The last request is written at most every five minutes,
so an active user costs one session write per five minutes, not one per request; the idle
limit then ends a session after between ``SESSION_IDLE_MINUTES`` and five minutes more
without a request (never earlier).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

LOGIN_AT = "policy_login_at"
SEEN_AT = "policy_seen_at"
SEEN_RESOLUTION_SECONDS = 300


def start(session) -> None:
    """Called at every login (``user_logged_in``)."""
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def expiry_reason(session, now: int | None = None) -> str | None:
    """``"absolute"``, ``"idle"`` or ``None`` for a session that may go on."""
    now = int(time.time()) if now is None else now
    login_at = session.get(LOGIN_AT)
    if login_at is None:
        return None
    if now - login_at >= settings.SESSION_COOKIE_AGE:
        return "absolute"
    idle_minutes = getattr(settings, "SESSION_IDLE_MINUTES", 0)
    seen_at = session.get(SEEN_AT, login_at)
    # seen_at may be up to SEEN_RESOLUTION_SECONDS older than the last request
    if idle_minutes and now - seen_at >= idle_minutes * 60 + SEEN_RESOLUTION_SECONDS:
        return "idle"
    return None


class SessionPolicyMiddleware:
    """Logs out a session past its absolute age or idle limit; the login requirement then
    sends the request to the login page with a message saying why.

    Place after the authentication and message middleware. Requests without a logged-in
    session (API tokens, health checks, anonymous pages) are not touched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            if session.get(LOGIN_AT) is None:
                start(session)  # a session from before this policy: count from now
            reason = expiry_reason(session, now)
            if reason is not None:
                logout(request)
                if reason == "idle":
                    text = _(
                        "You were logged out after %(minutes)s minutes without activity. "
                        "Please log in again."
                    ) % {"minutes": settings.SESSION_IDLE_MINUTES}
                else:
                    text = _(
                        "Your session ended %(hours)s hours after you logged in. Please log in "
                        "again."
                    ) % {"hours": f"{settings.SESSION_COOKIE_AGE / 3600:g}"}
                messages.info(request, text, fail_silently=True)
            elif now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)
