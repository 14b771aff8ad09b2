from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("mediation-cases", views.MediationCaseViewSet, basename="mediation-case")
router.register("case-parties", views.PartyViewSet, basename="case-party")
router.register("case-rights", views.CaseRightViewSet, basename="case-right")
router.register("mediation-sessions", views.MediationSessionViewSet, basename="mediation-session")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("case-events", views.CaseEventViewSet, basename="case-event")
