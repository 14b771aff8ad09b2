from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    """益企证 evidence service (issue 6). Depends only on ``alliance``."""

    name = "evidence"
    verbose_name = _("Evidence service")
