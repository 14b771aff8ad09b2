"""The API v1 root: each app contributes its router; schema and docs served locally."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from alliance.api.urls import router as alliance_router
from cases.api.urls import router as cases_router
from evidence.api.retrieval import RetrievalRequestViewSet
from evidence.api.urls import router as evidence_router
from evidence.api.urls import urlpatterns as evidence_urlpatterns
from zhangzhou_ip.accounts.api import ObtainTokenView
from zhangzhou_ip.api_docs import RedocView, SwaggerView
from zhangzhou_ip.core.download_api import PreparedDownloadViewSet
from zhangzhou_ip.core.notification_api import NotificationViewSet
from zhangzhou_ip.stats.api import StatisticsAPIView

router = DefaultRouter()
router.registry.extend(alliance_router.registry)
router.registry.extend(cases_router.registry)
router.registry.extend(evidence_router.registry)
router.register("retrieval-requests", RetrievalRequestViewSet, basename="retrieval-request")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("prepared-downloads", PreparedDownloadViewSet, basename="prepared-download")


urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    *evidence_urlpatterns,
    path("stats/", StatisticsAPIView.as_view(), name="stats"),
    path("", include(router.urls)),
]
