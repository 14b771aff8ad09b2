"""/accounts/two-factor/… (included from the root URLs under the ``accounts`` namespace)."""

from django.urls import path

from zhangzhou_ip.accounts import views

app_name = "accounts"

urlpatterns = [
    path("setup/", views.SetupView.as_view(), name="two-factor-setup"),
    path("verify/", views.VerifyView.as_view(), name="two-factor-verify"),
    path("disable/", views.DisableView.as_view(), name="two-factor-disable"),
]
