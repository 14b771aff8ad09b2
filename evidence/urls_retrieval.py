"""Retrieval request pages; appended to ``evidence/urls.py`` (app_name "evidence")."""

from django.urls import path

from evidence import retrieval_views as views

urlpatterns = [
    path("retrieval/", views.RetrievalListView.as_view(), name="retrieval-list"),
    path("retrieval/new/", views.RetrievalCreateView.as_view(), name="retrieval-new"),
    path("retrieval/<int:pk>/", views.retrieval_detail, name="retrieval-detail"),
    *[
        path(
            f"retrieval/<int:pk>/{action}/",
            views.retrieval_action,
            {"action": action},
            name=f"retrieval-{action}",
        )
        for action in ("accept", "complete", "decline", "cancel")
    ],
]
