"""Template context shared by every page: the signed-in user's organisations and roles."""

from __future__ import annotations

from alliance.models import Membership


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships():
        return list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("organization")
            .order_by("organization__name", "role")
        )

    return {"user_memberships": memberships}
