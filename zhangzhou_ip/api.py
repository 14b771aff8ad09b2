"""The API v1 root: each app contributes its router; schema and docs served locally."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from alliance.api.urls import router as alliance_router
from cases.api.urls import router as cases_router
from evidence.api.retrieval import RetrievalRequestViewSet
from evidence.api.urls import router as evidence_router
from evidence.api.urls import urlpatterns as evidence_urlpatterns
from zhangzhou_ip.core.notification_api import NotificationViewSet
from zhangzhou_ip.stats.api import StatisticsAPIView

router = DefaultRouter()
router.registry.extend(alliance_router.registry)
router.registry.extend(cases_router.registry)
router.registry.extend(evidence_router.registry)
router.register("retrieval-requests", RetrievalRequestViewSet, basename="retrieval-request")
router.register("notifications", NotificationViewSet, basename="notification")


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the user's API token (deliberately public)."""

    permission_classes = [AllowAny]


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *evidence_urlpatterns,
    path("stats/", StatisticsAPIView.as_view(), name="stats"),
    path("", include(router.urls)),
]
