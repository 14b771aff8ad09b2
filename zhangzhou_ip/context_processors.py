"""Template context shared by every page: the signed-in user's organisations and roles, and
the number of unread notifications for the bell in the navbar."""

from __future__ import annotations

from functools import cache

from alliance.selectors import memberships_of
from zhangzhou_ip.core.notifications import unread_count


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships():
        return memberships_of(user)  # the same query the permission checks use

    # Lazy (a page that does not show the navbar runs no query) and cached (the badge and its
    # label read it twice, one query).
    @cache
    def unread_notifications() -> int:
        return unread_count(user)

    return {"user_memberships": memberships, "unread_notifications": unread_notifications}
