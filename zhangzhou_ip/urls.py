"""Root URLs. Web pages need a login (LoginRequiredMiddleware) unless marked public."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from zhangzhou_ip import health, views

admin.site.site_header = "益企维 · zhangzhou_ip"
admin.site.site_title = "zhangzhou_ip"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-factor/", include("zhangzhou_ip.accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("directory/", include("alliance.urls")),
    path("cases/", include("cases.urls")),
    path("evidence/", include("evidence.urls")),
    path("stats/", include("zhangzhou_ip.stats.views")),
    path("notifications/", include("zhangzhou_ip.core.notification_views")),
    path("downloads/", include("zhangzhou_ip.core.download_views")),
    path("api/v1/", include(("zhangzhou_ip.api", "api"), namespace="api")),
    path("admin/", admin.site.urls),
]
# Uploaded files are never served by path (not even with DEBUG on): every download goes
# through a view that checks who may see it (agreement documents, confirmation materials,
# rulings, collaboration attachments).

handler400 = "zhangzhou_ip.error_views.bad_request"
handler403 = "zhangzhou_ip.error_views.permission_denied"
handler404 = "zhangzhou_ip.error_views.page_not_found"
handler500 = "zhangzhou_ip.error_views.server_error"
