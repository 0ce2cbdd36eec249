"""``{% filter_form %}``: a list's filter form (jinja2/_filter_form.html), from the page's
context (``filter``, ``more_filters``, ``filters_open``, ``request``).

The ledger's filter has some twenty fields; drawn by Django's template engine, with an
``{% include %}`` per field, it cost more than the 25 rows below it. It is a Jinja2 fragment
(govcenter/jinja2.py) like the rows, with the same HTML."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from govcenter.jinja2 import fragment

register = template.Library()


@register.simple_tag(takes_context=True)
def filter_form(context) -> SafeString:
    request = context.get("request")
    return fragment(
        "_filter_form.html",
        {
            "filter": context.get("filter"),
            "more_filters": bool(context.get("more_filters")),
            "filters_open": bool(context.get("filters_open")),
            "path": request.path if request is not None else "",
        },
    )
