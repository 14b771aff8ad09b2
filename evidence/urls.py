"""Evidence pages (``/evidence/``); the retrieval-request pages are appended from
``urls_retrieval``. Every page needs a login except the public verification page."""

from django.urls import path

from evidence import views
from evidence.urls_retrieval import urlpatterns as _retrieval

app_name = "evidence"

urlpatterns = [
    path("", views.RecordListView.as_view(), name="list"),
    path("deposit/", views.DepositView.as_view(), name="deposit"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("<int:pk>/", views.RecordDetailView.as_view(), name="detail"),
    path("<int:pk>/content/", views.RecordContentView.as_view(), name="content"),
    path("<int:pk>/certificate/", views.RecordCertificateView.as_view(), name="certificate"),
    path("<int:pk>/receipt/", views.RecordReceiptView.as_view(), name="receipt"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/access/", views.AccessLogView.as_view(), name="access-log"),
]
urlpatterns += _retrieval
