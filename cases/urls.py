"""Case pages. Each views module owns its URL patterns; this module joins them."""

from cases.views import cases as case_views
from cases.views import court as court_views
from cases.views import court_documents as court_document_views
from cases.views import detail as detail_views
from cases.views import evidence as evidence_views
from cases.views import intake as intake_views
from cases.views import protection as protection_views
from cases.views import sessions as session_views
from cases.views import sharing as sharing_views
from cases.views import workload as workload_views

app_name = "cases"

urlpatterns = [
    *case_views.urlpatterns,
    *detail_views.urlpatterns,
    *intake_views.urlpatterns,
    *session_views.urlpatterns,
    *court_views.urlpatterns,
    *court_document_views.urlpatterns,
    *evidence_views.urlpatterns,
    *sharing_views.urlpatterns,
    *protection_views.urlpatterns,
    *workload_views.urlpatterns,
]
