from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Mediation cases, judicial confirmation, court referral and sharing (issues 3–5)."""

    name = "cases"
    verbose_name = _("Mediation cases")

    def ready(self) -> None:
        from cases.evidence import cited_evidence_ids
        from evidence import visibility

        visibility.register(cited_evidence_ids)
