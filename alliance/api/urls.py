from rest_framework.routers import SimpleRouter

from alliance.api import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("ip-rights", views.IntellectualPropertyViewSet, basename="ip-right")

# Issue 5: collaboration requests between member bureaus (alliance/api/collaboration.py).
from alliance.api import collaboration as collaboration_views  # noqa: E402

router.register(
    "collaboration-requests",
    collaboration_views.CollaborationRequestViewSet,
    basename="collaboration-request",
)

# Issue 7 part 8: city IP indicators, read-only (alliance/api/indicators.py).
from alliance.api import indicators as indicator_views  # noqa: E402

router.register("indicators", indicator_views.IndicatorViewSet, basename="indicator")
router.register(
    "indicator-values", indicator_views.IndicatorValueViewSet, basename="indicator-value"
)
