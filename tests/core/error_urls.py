"""The project's URLs plus two views that fail, to see the 500 answers."""

from django.urls import path

from zhangzhou_ip.urls import handler400, handler403, handler404, handler500  # noqa: F401
from zhangzhou_ip.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("crash/", crash),
    path("api/v1/crash/", crash),
    *project_urlpatterns,
]
