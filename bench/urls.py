"""The portal's URLs plus the limit page ``make bench`` compares every page with: a bare
Django view that runs one indexed query and renders 50 rows of the ledger in a compiled
template, with none of the portal's layout (the floor a page of 50 rows can reach here); and
the layout page: the portal's frame with nothing in it (the floor of every portal page: its
middleware, the signed-in user, the navbar and its counts)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import include, path

from disputes.models import Dispute

_LIMIT = engines["django"].from_string(
    "<!doctype html><title>limit</title><table>{% for d in rows %}<tr><td>{{ d.number }}</td>"
    "<td>{{ d.summary }}</td><td>{{ d.status }}</td><td>{{ d.level }}</td><td>{{ d.registered_at }}</td></tr>"
    "{% endfor %}</table>"
)


def limit(request):
    rows = Dispute.objects.order_by("-pk").values("number", "summary", "status", "level", "registered_at")[:50]
    # Without the request: with it, Django's engine runs the context processors, and the
    # portal's navigation (its counts, the user's place) was three queries of this "bare" page.
    return HttpResponse(_LIMIT.render({"rows": rows}))


@login_required
def layout(request):
    return render(request, "base.html", {})


urlpatterns = [path("bench/limit/", limit), path("bench/layout/", layout), path("", include("govcenter.urls"))]
