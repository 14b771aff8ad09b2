"""Evidence API routes: the records viewset (``router``, merged into the project router) and
the public ledger endpoints (``urlpatterns``, mounted under ``/api/v1/``)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from evidence.api import views

router = DefaultRouter()
router.register("evidence-records", views.EvidenceRecordViewSet, basename="evidence-record")

urlpatterns = [
    path("evidence/checkpoint/", views.CheckpointView.as_view(), name="evidence-checkpoint"),
    path("evidence/public-key/", views.PublicKeyView.as_view(), name="evidence-public-key"),
    path("evidence/verify/", views.VerifyView.as_view(), name="evidence-verify"),
]
