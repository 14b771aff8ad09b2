from django.urls import path

from alliance import collaboration_views, indicator_views, views

app_name = "alliance"

urlpatterns = [
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/new/", views.OrganizationCreateView.as_view(), name="organization-create"),
    path(
        "organizations/<int:pk>/",
        views.OrganizationDetailView.as_view(),
        name="organization-detail",
    ),
    path(
        "organizations/<int:pk>/edit/",
        views.OrganizationUpdateView.as_view(),
        name="organization-update",
    ),
    path("enterprises/", views.EnterpriseListView.as_view(), name="enterprise-list"),
    path("ip-rights/", views.IntellectualPropertyListView.as_view(), name="ip-list"),
    path("ip-rights/new/", views.IntellectualPropertyCreateView.as_view(), name="ip-create"),
    path("regions/", views.RegionListView.as_view(), name="region-list"),
    *collaboration_views.urlpatterns,
    *indicator_views.urlpatterns,
]
