"""``{% ledger_table_rows disputes %}``: the ledger's rows (jinja2/disputes/ledger_rows.html).

A page of the ledger is 25 rows of nine cells with badges, dates and translated labels; in
Django's template engine those rows took most of the page's time (make bench, "ledger"),
so they are a Jinja2 fragment (govcenter/jinja2.py) inside the Django page."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from govcenter.jinja2 import fragment

from .dispute_badges import closing_notes, risk_badges, status_badge

register = template.Library()


@register.simple_tag
def ledger_table_rows(disputes) -> SafeString:
    marks = {"status_badge": status_badge, "risk_badges": risk_badges, "closing_notes": closing_notes}
    return fragment("disputes/ledger_rows.html", {"disputes": disputes, **marks})
