"""``{% load log_badges %}{% log_status_badge log %}``: where a log stands (its status, or the
next step of one filed without screening; the case it became, co-signature, supervision and
where its result stands with the parties), on the log lists, the log page and a resident's
matters. A function rather than an included template, so that the lists' Jinja2 rows
(``{% log_table %}``) draw the same badge."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from govcenter.jinja2 import fragment
from govcenter.templatetags.badges import feedback_badge

from ..models import Log

register = template.Library()

_COSIGN_CLASS = {
    Log.Cosign.AWAITING: "text-bg-warning",
    Log.Cosign.SIGNED: "text-bg-success",
    Log.Cosign.DECLINED: "text-bg-danger",
}


@register.simple_tag
def log_status_badge(log) -> SafeString:
    if log.status == Log.Status.FILED:
        status = format_html('<span class="badge text-bg-light border">{}</span>', log.get_next_step_display())
    elif log.status == Log.Status.NEW:
        status = format_html('<span class="badge text-bg-danger">{}</span>', log.get_status_display())
    elif log.status == Log.Status.REPORTED_UP:
        text = _("Reported up: %(level)s") % {"level": log.get_level_display()}
        status = format_html('<span class="badge text-bg-warning">{}</span>', text)
    elif log.status == Log.Status.IN_HAND:
        text = _("In hand: %(level)s") % {"level": log.get_level_display()}
        status = format_html('<span class="badge text-bg-primary">{}</span>', text)
    else:
        status = format_html('<span class="badge text-bg-success">{}</span>', log.get_status_display())
    marks = [status]
    if log.dispute_id:
        marks.append(format_html(' <span class="badge text-bg-secondary">{}</span>', log.dispute.number))
    if log.cosign in _COSIGN_CLASS:
        marks.append(
            format_html(
                ' <span class="badge {}" data-cosign="{}">{}</span>',
                _COSIGN_CLASS[log.cosign],
                log.cosign,
                log.get_cosign_display(),
            )
        )
    if log.supervised_at:
        marks.append(format_html(' <span class="badge text-bg-danger">{}</span>', _("Supervised")))
    marks.append(feedback_badge(log))
    return mark_safe("".join(marks))  # noqa: S308 (each part is format_html's)


@register.simple_tag
def log_table(logs) -> SafeString:
    """The logs' lists' table (jinja2/sentiment/log_rows.html): a Jinja2 fragment, as the
    ledger's rows are (disputes/rows_html.py), for the same reason."""
    return fragment("sentiment/log_rows.html", {"logs": logs, "log_status_badge": log_status_badge})
