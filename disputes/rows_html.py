"""The ledger's rows as HTML (jinja2/disputes/ledger_rows.html), drawn by the list view.

A page of the ledger is 25 rows of nine cells with badges, dates and translated labels; in
Django's template engine those rows took most of the page's time (make bench, "ledger"),
so they are a Jinja2 fragment (govcenter/jinja2.py).

The view draws them before the page's template and hands the HTML to it: drawn from a tag
inside the template, 105 Python frames deep, the same rows took 5.0 ms instead of 2.3. At
that depth CPython 3.11 runs every call slower (a loop of calls, timed at each depth: about
40 % slower from 80 to 130 frames deep, its frame stack's chunks filled and freed over and
over); the view runs 46 frames deep."""

from __future__ import annotations

from django.utils.safestring import SafeString

from govcenter.jinja2 import fragment

from .templatetags.dispute_badges import closing_notes, risk_badges, status_badge


def ledger_rows_html(disputes) -> SafeString:
    marks = {"status_badge": status_badge, "risk_badges": risk_badges, "closing_notes": closing_notes}
    return fragment("disputes/ledger_rows.html", {"disputes": disputes, **marks})
