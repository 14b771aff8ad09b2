"""Pages that span apps: the home dashboard."""

from __future__ import annotations

from django.db.models import Count, Q
from django.views.generic import TemplateView

from alliance import selectors as alliance_selectors
from alliance.models import IntellectualProperty, Organization
from zhangzhou_ip import dashboards


class HomeView(TemplateView):
    """The signed-in user's start page: a panel per role they hold (``dashboards``), their
    organisations and the directory at a glance."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organizations = alliance_selectors.organization_visible_to(user)
        Kind = Organization.Kind
        counts = organizations.aggregate(
            members=Count("pk", filter=Q(alliance_joined_on__isnull=False, kind=Kind.BUREAU)),
            courts=Count("pk", filter=Q(kind=Kind.COURT)),
            service_points=Count("pk", filter=Q(kind=Kind.SERVICE_POINT)),
            enterprises=Count("pk", filter=Q(kind=Kind.ENTERPRISE)),
            key_enterprises=Count("pk", filter=Q(kind=Kind.ENTERPRISE, is_key_enterprise=True)),
        )
        counts["provinces"] = alliance_selectors.member_province_count(organizations)
        context["counts"] = counts
        context["ip_count"] = alliance_selectors.intellectual_property_visible_to(user).count()
        context["ip_by_kind"] = (
            alliance_selectors.intellectual_property_visible_to(user)
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
        )
        context["ip_kind_labels"] = dict(IntellectualProperty.Kind.choices)
        context["has_membership"] = alliance_selectors.has_membership(user)
        context["panels"] = dashboards.panels_for(user)
        return context
