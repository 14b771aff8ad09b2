"""The admin page "Audit trail" (``admin:core_audittrail_changelist``): the merged stream of
``core.audit`` with its filters. Imported at the end of ``core/admin.py``.

Open to superusers and to staff given ``core.view_audittrail`` (an auditor's permission: the
page shows changes across all organisations, so it is never granted by a membership role).
Others are refused: the admin sends anonymous and non-staff users to its login, staff without
the permission get 403. The page only reads; any other method than GET is 405.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhangzhou_ip.core import audit
from zhangzhou_ip.core.models import AuditTrail

PERMISSION = "core.view_audittrail"


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    model = forms.ChoiceField(label=_("Model"), required=False)
    date_from = forms.DateField(label=_("Date from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Date to"), required=False, widget=DateInput)
    object_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)
    q = forms.CharField(label=_("Object contains"), required=False, max_length=100)
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *audit.KINDS.items()]
        self.fields["model"].choices = [("", _("All models")), *audit.model_choices()]

    def clean_user(self) -> int | None:
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        pk = (
            get_user_model()
            ._default_manager.filter(username=username)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise forms.ValidationError(_("There is no user with this username."), code="user")
        return pk

    def clean_before(self) -> audit.Cursor | None:
        value = self.cleaned_data["before"]
        if not value:
            return None
        try:
            return audit.Cursor.parse(value)
        except ValueError:
            raise forms.ValidationError(
                _("This link to older entries is not valid; start again from the newest."),
                code="cursor",
            ) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return cleaned

    def filters(self) -> audit.Filters:
        data = self.cleaned_data
        return audit.Filters(
            user_id=data["user"],
            kind=data["kind"],
            model=data["model"],
            start=_midnight(data["date_from"]),
            end=_midnight(data["date_to"] + dt.timedelta(days=1)) if data["date_to"] else None,
            object_id=data["object_id"].strip(),
            search=data["q"].strip(),
        )


def _midnight(day: dt.date | None) -> dt.datetime | None:
    """The start of ``day`` in the site's time zone: dates are read as people there mean them."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _query(request: HttpRequest, **changes: str | None) -> str:
    params: QueryDict = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value:
            params[name] = value
    return "?" + params.urlencode() if params else "?"


@admin.register(AuditTrail)
class AuditTrailAdmin(admin.ModelAdmin):
    """Only the one page: no add, change, delete or history views."""

    def _allowed(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.has_perm(PERMISSION)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.audit_view)
        return [path("", view, name=f"{opts.app_label}_{opts.model_name}_changelist")]

    def audit_view(self, request: HttpRequest) -> HttpResponse:
        if not self._allowed(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        form = AuditFilterForm(request.GET)
        result, status = None, 200
        if form.is_valid():
            result = audit.page(form.filters(), form.cleaned_data["before"])
        else:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Audit trail"),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "form": form,
            "entries": result.entries if result else [],
            "older_url": _query(request, before=str(result.next_cursor))
            if result and result.next_cursor
            else "",
            "newest_url": _query(request, before=None) if request.GET.get("before") else "",
            "page_size": audit.PAGE_SIZE,
        }
        return TemplateResponse(request, "admin/core/audit_trail.html", context, status=status)
