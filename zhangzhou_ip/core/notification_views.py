"""The notification centre's pages, mounted at ``/notifications/`` (namespace
``notifications``). Every lookup starts from the user's own notifications, so another
user's id is a 404. Marking read is a POST (CSRF-protected), never a side effect of a GET."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from zhangzhou_ip.core.notifications import (
    NotificationFilterSet,
    mark_read,
    notification_visible_to,
    unread_count,
)
from zhangzhou_ip.core.views import ExportMixin, FilteredListView


class NotificationListView(ExportMixin, FilteredListView):
    """The user's notifications, newest first; ``?unread=true`` shows only unread ones;
    ``?format=csv|xlsx`` exports them (links made absolute, so they work from the file)."""

    template_name = "core/notifications.html"
    filterset_class = NotificationFilterSet
    export_stem = "notifications"
    export_title = gettext_lazy("Notifications")

    @property
    def export_columns(self):
        absolute = self.request.build_absolute_uri
        return [
            (gettext_lazy("Time"), "created_at"),
            (gettext_lazy("Title"), "title"),
            (gettext_lazy("Text"), "body"),
            (gettext_lazy("Link"), lambda n: absolute(n.url) if n.url else ""),
            (gettext_lazy("Read at"), "read_at"),
        ]

    def get_base_queryset(self):
        return notification_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread_only"] = self.request.GET.get("unread") == "true"
        context["unread_total"] = unread_count(self.request.user)
        return context


class NotificationOpenView(View):
    """Mark one of the user's notifications read and follow its link."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        notification = get_object_or_404(notification_visible_to(request.user), pk=pk)
        mark_read(request.user, [notification.pk])
        target = notification.url
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("notifications:list")
        return HttpResponseRedirect(target)


class NotificationReadAllView(View):
    """Mark all of the user's notifications read."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponseRedirect:
        count = mark_read(request.user)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d notification marked as read.",
                    "%(count)d notifications marked as read.",
                    count,
                )
                % {"count": count},
            )
        return HttpResponseRedirect(reverse("notifications:list"))


app_name = "notifications"
urlpatterns = [
    path("", NotificationListView.as_view(), name="list"),
    path("<int:pk>/open/", NotificationOpenView.as_view(), name="open"),
    path("read-all/", NotificationReadAllView.as_view(), name="read-all"),
]
