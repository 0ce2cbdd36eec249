"""``{% filter_form %}``: a list's filter form (jinja2/_filter_form.html), from the page's
context (``filter``, ``more_filters``, ``filters_open``, ``request``).

The ledger's filter has some twenty fields; drawn by Django's template engine, with an
``{% include %}`` per field, it cost more than the 25 rows below it. It is a Jinja2 fragment
(govcenter/jinja2.py) like the rows, with the same HTML, and kept once drawn for a filter set
that allows it (govcenter/drawn_filters.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from govcenter.drawn_filters import drawn_form
from govcenter.jinja2 import fragment

register = template.Library()


@register.simple_tag(takes_context=True)
def filter_form(context) -> SafeString:
    request = context.get("request")
    filterset = context.get("filter")
    values = {
        "filter": filterset,
        "more_filters": bool(context.get("more_filters")),
        "filters_open": bool(context.get("filters_open")),
        "path": request.path if request is not None else "",
    }
    html = drawn_form(
        filterset,
        request,
        (values["more_filters"], values["filters_open"]),
        lambda: fragment("_filter_form.html", values),
    )
    return mark_safe(html)  # noqa: S308  (drawn by fragment(): Jinja2 escaped every value)
