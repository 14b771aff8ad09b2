"""Collaboration pages (being written): inbox, outbox, overdue queue, new request, detail with
replies and actions, reply attachments, reciprocity board."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):  # replaced by the real views
    raise Http404


urlpatterns = [
    path("collaboration/", _todo, name="collaboration-inbox"),
    path("collaboration/sent/", _todo, name="collaboration-outbox"),
    path("collaboration/overdue/", _todo, name="collaboration-overdue"),
    path("collaboration/reciprocity/", _todo, name="collaboration-reciprocity"),
    path("collaboration/new/", _todo, name="collaboration-create"),
    path("collaboration/<int:pk>/", _todo, name="collaboration-detail"),
    path("collaboration/<int:pk>/reply/", _todo, name="collaboration-reply"),
    path(
        "collaboration/<int:pk>/replies/<int:reply_pk>/attachment/",
        _todo,
        name="collaboration-attachment",
    ),
    path("collaboration/<int:pk>/<str:action>/", _todo, name="collaboration-action"),
]
