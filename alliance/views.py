"""Directory pages. Thin: parse the request, ask a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView

from alliance import selectors, services
from alliance.filters import (
    IntellectualPropertyFilterSet,
    OrganizationFilterSet,
    RegionFilterSet,
)
from alliance.forms import IntellectualPropertyForm, OrganizationForm
from alliance.models import IntellectualProperty, Organization
from zhangzhou_ip.core.lookups import count_of
from zhangzhou_ip.core.views import ExportMixin, FilteredListView


class OrganizationListView(ExportMixin, FilteredListView):
    template_name = "alliance/organization_list.html"
    filterset_class = OrganizationFilterSet
    sort_fields = {
        "name": ("name",),
        "kind": ("kind", "name"),
        "region": ("region__code", "name"),
        "joined": ("alliance_joined_on", "name"),
    }
    default_sort = "kind"
    export_stem = "organisations"
    export_title = gettext_lazy("Organisations")
    export_columns = [
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Short name"), "short_name"),
        (gettext_lazy("Kind"), "get_kind_display"),
        (gettext_lazy("Region"), "region.name"),
        (gettext_lazy("Region code"), "region.code"),
        (gettext_lazy("USCC"), "uscc"),
        (gettext_lazy("Court code"), "court_code"),
        (gettext_lazy("Parent organisation"), "parent.name"),
        (gettext_lazy("Joined the alliance"), "alliance_joined_on"),
        (gettext_lazy("Key enterprise"), "is_key_enterprise"),
    ]

    def get_base_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("alliance.add_organization")
        return context


class EnterpriseListView(OrganizationListView):
    """Enterprise search by name or USCC."""

    template_name = "alliance/enterprise_list.html"
    default_sort = "name"
    export_stem = "enterprises"
    export_title = gettext_lazy("Enterprises")
    export_columns = [
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("USCC"), "uscc"),
        (gettext_lazy("Region"), "region.name"),
        (gettext_lazy("Region code"), "region.code"),
        (gettext_lazy("Service point"), "parent.name"),
        (gettext_lazy("Key enterprise"), "is_key_enterprise"),
        (gettext_lazy("IP rights"), "ip_count"),
    ]

    def get_base_queryset(self) -> QuerySet[Organization]:
        return selectors.enterprise_list(self.request.user).annotate(ip_count=Count("ip_rights"))


class OrganizationDetailView(DetailView):
    template_name = "alliance/organization_detail.html"
    context_object_name = "organization"

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org: Organization = self.object
        user = self.request.user
        context["children"] = selectors.organization_visible_to(user).filter(parent=org)[:50]
        context["ip_rights"] = selectors.intellectual_property_visible_to(user).filter(owner=org)[
            :50
        ]
        context["ip_total"] = (
            selectors.intellectual_property_visible_to(user).filter(owner=org).count()
        )
        context["memberships"] = selectors.membership_visible_to(user).filter(
            organization=org, is_active=True
        )
        context["can_change"] = user.has_perm("alliance.change_organization", org)
        return context


class _ServiceFormView(FormView):
    """A form whose valid data goes to a service; domain errors become form errors."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def call_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.call_service(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.get_success_url())


class OrganizationCreateView(_ServiceFormView):
    template_name = "alliance/organization_form.html"
    form_class = OrganizationForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("alliance.add_organization"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind in Organization.Kind.values else {}

    def call_service(self, form):
        return services.organization_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class OrganizationUpdateView(_ServiceFormView):
    template_name = "alliance/organization_form.html"
    form_class = OrganizationForm

    def dispatch(self, request, *args, **kwargs):
        self.organization = get_object_or_404(
            selectors.organization_visible_to(request.user), pk=kwargs["pk"]
        )
        if not request.user.has_perm("alliance.change_organization", self.organization):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.organization
        return kwargs

    def call_service(self, form):
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.organization_update(
            actor=self.request.user, organization=self.organization, **changed
        )

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context


class IntellectualPropertyListView(ExportMixin, FilteredListView):
    template_name = "alliance/ip_list.html"
    filterset_class = IntellectualPropertyFilterSet
    sort_fields = {
        "number": ("number",),
        "kind": ("kind", "number"),
        "title": ("title",),
        "owner": ("owner__name", "number"),
        "granted": ("granted_on",),
    }
    default_sort = "kind"
    export_stem = "ip-rights"
    export_title = gettext_lazy("IP rights")
    export_columns = [
        (gettext_lazy("Kind"), "get_kind_display"),
        (gettext_lazy("Number"), "display_number"),
        (gettext_lazy("Title"), "title"),
        (gettext_lazy("Owner"), "owner.name"),
        (gettext_lazy("Nice class"), "nice_class"),
        (gettext_lazy("Filed on"), "filed_on"),
        (gettext_lazy("Granted / registered"), "granted_on"),
        (gettext_lazy("Expires on"), "expires_on"),
    ]

    def get_base_queryset(self) -> QuerySet[IntellectualProperty]:
        return selectors.intellectual_property_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("alliance.add_intellectualproperty")
        return context


class IntellectualPropertyCreateView(_ServiceFormView):
    template_name = "alliance/ip_form.html"
    form_class = IntellectualPropertyForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("alliance.add_intellectualproperty"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        owner = self.request.GET.get("owner")
        return {"owner": owner} if owner and owner.isdigit() else {}

    def call_service(self, form):
        return services.intellectual_property_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.owner.get_absolute_url()


class RegionListView(ExportMixin, FilteredListView):
    template_name = "alliance/region_list.html"
    filterset_class = RegionFilterSet
    sort_fields = {"code": ("code",), "name": ("name",), "level": ("level", "code")}
    default_sort = "code"
    paginate_by = 50
    page_size_options = (50, 100)
    export_stem = "regions"
    export_title = gettext_lazy("Regions")
    export_columns = [
        (gettext_lazy("Code"), "code"),
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("English name"), "name_en"),
        (gettext_lazy("Level"), "get_level_display"),
        (gettext_lazy("Parent"), "parent.name"),
        (gettext_lazy("Retired on"), "valid_to"),
        (gettext_lazy("Organisations"), "organization_count"),
    ]

    def get_base_queryset(self):
        visible = selectors.organization_visible_to(self.request.user).filter(is_active=True)
        return selectors.region_visible_to(self.request.user).annotate(
            organization_count=count_of(visible, "region")
        )
