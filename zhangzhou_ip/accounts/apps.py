from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zhangzhou_ip.accounts"
    label = "accounts"
    verbose_name = _("Login and accounts")

    def ready(self) -> None:
        from zhangzhou_ip.accounts import signals  # noqa: F401  (connects the receivers)
