"""Directory API: the same selectors, FilterSets, rules and services as the web pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from alliance import selectors, services
from alliance.api.serializers import (
    IntellectualPropertySerializer,
    MembershipSerializer,
    OrganizationSerializer,
    RegionSerializer,
)
from alliance.filters import (
    IntellectualPropertyFilterSet,
    MembershipFilterSet,
    OrganizationFilterSet,
    RegionFilterSet,
)
from alliance.models import IntellectualProperty, Membership, Organization, Region


@extend_schema_view(
    list=extend_schema(summary="List regions (GB/T 2260)"),
    retrieve=extend_schema(summary="Retrieve a region"),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.none()
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    ordering_fields = ["code", "name", "level"]
    ordering = ["code"]

    def get_queryset(self):
        return selectors.region_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List organisations visible to you"),
    create=extend_schema(summary="Register an organisation"),
)
class OrganizationViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Organization.objects.none()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["name", "kind", "alliance_joined_on", "created_at"]
    ordering = ["kind", "name"]

    def get_queryset(self):
        return selectors.organization_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.organization_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.organization_update(
            actor=self.request.user, organization=serializer.instance, **serializer.validated_data
        )


@extend_schema_view(list=extend_schema(summary="Search enterprises by name or USCC"))
class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Organization.objects.none()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.enterprise_list(self.request.user)


class MembershipViewSet(
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Memberships: your own, or those of the organisations you administer. Deleting
    deactivates (history keeps who held the role)."""

    queryset = Membership.objects.none()
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering_fields = ["created_at", "role"]
    ordering = ["organization__name", "role"]

    def get_queryset(self):
        return selectors.membership_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.membership_grant(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.membership_revoke(actor=self.request.user, membership=instance)


class IntellectualPropertyViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = IntellectualProperty.objects.none()
    serializer_class = IntellectualPropertySerializer
    filterset_class = IntellectualPropertyFilterSet
    ordering_fields = ["number", "kind", "granted_on", "created_at"]
    ordering = ["kind", "number"]

    def get_queryset(self):
        return selectors.intellectual_property_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.intellectual_property_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.intellectual_property_update(
            actor=self.request.user, ip=serializer.instance, **serializer.validated_data
        )
