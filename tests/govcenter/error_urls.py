"""The portal's URLs plus views that fail on purpose, for tests/govcenter/test_error_pages.py."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from govcenter.urls import urlpatterns as portal_urlpatterns


def boom(request):
    raise RuntimeError("a bug in a view")


def bad(request):
    raise SuspiciousOperation("a tampered request")


urlpatterns = [path("boom/", boom), path("bad/", bad), *portal_urlpatterns]
