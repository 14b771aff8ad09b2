"""One FilterSet per listable directory model, shared by the HTML lists and the API
(STYLE rule 10). Related-object choices come from the user's scope."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from alliance import selectors
from alliance.models import IntellectualProperty, Membership, Organization, Region
from alliance.validators import normalize_patent_number, normalize_uscc
from zhangzhou_ip.core.forms import YesNoAnySelect


def _user(request):
    return getattr(request, "user", None)


def visible_regions(request):
    """The province and city choices of every ``region`` filter (FilterSets of all apps) —
    the same for every signed-in user (``RegionFilter.same_for_everyone``)."""
    user = _user(request)
    if user is None:
        return Region.objects.none()
    return selectors.region_visible_to(user).filter(level__in=["province", "city"])


def _visible_organizations(request):
    user = _user(request)
    if user is None:
        return Organization.objects.none()
    return selectors.organization_visible_to(user)


@extend_schema_field(OpenApiTypes.STR)  # a region code: the API schema cannot guess it
class RegionFilter(django_filters.ModelChoiceFilter):
    """A province or city, by its code, and everything below it. ``paths`` name the region
    fields to test (several: any of them matches — both sides of a collaboration request).
    Its options are the same for every signed-in user (``visible_regions``: reference data),
    so the list pages keep them once for all users (``core.views.cache_model_choices``)."""

    same_for_everyone = True

    def __init__(self, *, paths: tuple[str, ...], label=None, **kwargs) -> None:
        self.paths = paths
        super().__init__(
            label=label or _("Region"), queryset=visible_regions, to_field_name="code", **kwargs
        )

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        match = Q()
        for path in self.paths:
            match |= selectors.within_region_q(value, path)
        return qs.filter(match)


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", help_text=_("Name, short name or USCC")
    )
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=Organization.Kind.choices)
    region = RegionFilter(paths=("region",))
    is_member = django_filters.BooleanFilter(
        label=_("Alliance member"),
        field_name="alliance_joined_on",
        lookup_expr="isnull",
        exclude=True,
        widget=YesNoAnySelect,
    )
    is_key_enterprise = django_filters.BooleanFilter(
        label=_("Key enterprise"), widget=YesNoAnySelect
    )
    parent = django_filters.ModelChoiceFilter(
        label=_("Parent organisation"), queryset=_visible_organizations
    )
    joined = django_filters.DateFromToRangeFilter(
        label=_("Joined the alliance"), field_name="alliance_joined_on"
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "region", "is_member", "is_key_enterprise", "parent", "joined"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q(name__icontains=value) | Q(short_name__icontains=value) | Q(name_en__icontains=value)
        code = normalize_uscc(value)
        if code:
            q |= Q(uscc__startswith=code)
        return queryset.filter(q)


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Region.Level.choices)
    parent = django_filters.CharFilter(label=_("Parent code"), field_name="parent__code")
    current = django_filters.BooleanFilter(
        label=_("Current codes only"),
        field_name="valid_to",
        lookup_expr="isnull",
        widget=YesNoAnySelect,
    )

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "current"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__startswith=value)
        )


class MembershipFilterSet(django_filters.FilterSet):
    organization = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=_visible_organizations
    )
    role = django_filters.MultipleChoiceFilter(label=_("Role"), choices=Membership.Role.choices)
    user = django_filters.CharFilter(label=_("User name"), field_name="user__username")
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=YesNoAnySelect)

    class Meta:
        model = Membership
        fields = ["organization", "role", "user", "is_active"]


class IntellectualPropertyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", help_text=_("Number, title or owner")
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=IntellectualProperty.Kind.choices
    )
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=_visible_organizations)
    nice_class = django_filters.NumberFilter(label=_("Nice class"))
    granted = django_filters.DateFromToRangeFilter(label=_("Grant date"), field_name="granted_on")

    class Meta:
        model = IntellectualProperty
        fields = ["q", "kind", "owner", "nice_class", "granted"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # A patent number may be typed with or without "ZL", spaces and the dot before the
        # check digit; stored numbers are canonical (YYYYTNNNNNNN.C).
        number = normalize_patent_number(value)
        return queryset.filter(
            Q(number__icontains=number)
            | Q(title__icontains=value)
            | Q(owner__name__icontains=value)
        )
