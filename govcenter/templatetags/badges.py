"""The small marks the lists and detail pages put beside an item, each one function, so that
both template engines draw them alike (the ledger's rows are Jinja2: govcenter/jinja2.py) and
a list pays a function call per row instead of an ``{% include %}``:
``{% load badges %}{% urgent_badge item %}``, ``{% feedback_badge item %}``."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def urgent_badge(item) -> SafeString | str:
    """ "Urgent (紧急)", with the reason and the time it was marked as its title."""
    if not item.urgent_at:
        return ""
    return format_html(
        '<span class="badge text-bg-danger urgent-badge" title="{} · {}">{}</span>',
        item.get_urgent_reason_display(),
        date_format(localtime(item.urgent_at), "Y-m-d H:i"),
        _("Urgent (紧急)"),
    )


@register.simple_tag
def feedback_badge(item) -> SafeString | str:
    """Where a returned result stands with the parties (govcenter.feedback), after a space."""
    if item.awaiting_parties:
        return format_html(' <span class="badge text-bg-info">{}</span>', _("Result returned: tell the parties"))
    if item.sent_back_for_review:
        return format_html(' <span class="badge text-bg-danger">{}</span>', _("Parties unsatisfied: back for review"))
    if item.satisfaction:
        return format_html(' <span class="badge text-bg-light border">{}</span>', item.get_satisfaction_display())
    return ""
