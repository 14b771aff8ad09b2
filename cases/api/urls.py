from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("mediation-cases", views.MediationCaseViewSet, basename="mediation-case")
router.register("case-parties", views.PartyViewSet, basename="case-party")
router.register("case-rights", views.CaseRightViewSet, basename="case-right")
router.register("mediation-sessions", views.MediationSessionViewSet, basename="mediation-session")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("case-events", views.CaseEventViewSet, basename="case-event")

# Issue 4: judicial confirmations and court referrals (cases/api/court.py).
from cases.api import court as court_views  # noqa: E402

router.register(
    "judicial-confirmations",
    court_views.JudicialConfirmationViewSet,
    basename="judicial-confirmation",
)
router.register("court-referrals", court_views.CourtReferralViewSet, basename="court-referral")

# Issue 5: sharing cases with partner cities and comments (cases/api/sharing.py).
from cases.api import sharing as sharing_views  # noqa: E402

router.register("case-shares", sharing_views.CaseShareViewSet, basename="case-share")
router.register("case-comments", sharing_views.CaseCommentViewSet, basename="case-comment")

# Issue 7: enterprises' protection actions (cases/api/protection.py).
from cases.api import protection as protection_views  # noqa: E402

router.register(
    "protection-actions", protection_views.ProtectionActionViewSet, basename="protection-action"
)
