"""A dispute's marks on the ledger, the detail page and the lists that name cases:
``{% load dispute_badges %}{% status_badge dispute %}``, ``{% risk_badges dispute %}``,
``{% closing_notes dispute %}``. Functions rather than included templates, so that the
ledger's Jinja2 rows (disputes/rows_html.py) draw the same marks (govcenter/templatetags/badges.py)."""

from __future__ import annotations

import functools

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from govcenter.templatetags.badges import feedback_badge

from ..models import Dispute, RiskLevel
from ..selectors import names_court_referral, names_police_transfer

register = template.Library()

_STATUS_CLASS = {
    Dispute.Status.REGISTERED: "text-bg-warning",
    Dispute.Status.ACCEPTED: "text-bg-info",
    Dispute.Status.IN_MEDIATION: "text-bg-primary",
    Dispute.Status.AWAITING_CONFIRMATION: "text-bg-info",
    Dispute.Status.RESOLVED: "text-bg-success",
    Dispute.Status.NOT_RESOLVED: "text-bg-dark",
    Dispute.Status.TRANSFERRED_TO_POLICE: "text-bg-danger",
}
_RISK_CLASS = {RiskLevel.MAJOR: "text-bg-danger", RiskLevel.SIGNIFICANT: "text-bg-warning"}


@register.simple_tag
def status_badge(dispute) -> SafeString:
    """The status, coloured by where the case stands, and where its result stands with the parties."""
    return mark_safe(_status_html(dispute.status, dispute.get_status_display()) + feedback_badge(dispute))  # noqa: S308


@register.simple_tag
def risk_badges(dispute) -> SafeString:
    """The risk level, then a pill for each risk flag."""
    return _risk_html(
        get_language(),
        dispute.risk_level,
        dispute.get_risk_level_display(),
        dispute.risk_criminal,
        dispute.risk_mass_incident,
        dispute.vulnerable_party,
    )


# The badges of a status and of a risk are the same few dozen pieces of HTML for every case:
# drawn once per language, keyed by the label the model gives (a ledger page drew them for
# each of its rows).
@functools.lru_cache(maxsize=256)
def _status_html(status: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge text-wrap text-start {}">{}</span>',
        _STATUS_CLASS.get(status, "text-bg-light border"),
        label,
    )


@functools.lru_cache(maxsize=256)
def _risk_html(
    language: str, risk_level: str, label: str, criminal: bool, mass_incident: bool, vulnerable: bool
) -> SafeString:
    pills = []
    if criminal:
        pills.append(("text-bg-danger", _("risk of turning criminal"), _("criminal risk")))
    if mass_incident:
        pills.append(("text-bg-danger", "", _("mass incident risk")))
    if vulnerable:
        pills.append(("text-bg-warning", "", _("vulnerable party")))
    level = format_html(
        '<span class="badge {}">{}</span>',
        _RISK_CLASS.get(risk_level, "text-bg-secondary"),
        label,
    )
    return level + format_html_join(
        "",
        '\n<span class="badge rounded-pill {} fw-normal"{}>{}</span>',
        ((css, format_html(' title="{}"', title) if title else "", text) for css, title, text in pills),
    )


@register.simple_tag
def closing_notes(dispute) -> SafeString | str:
    """Under a closed case's status: the station and its case number for a transfer to the
    police, the court and its outcome for a referral to litigation (what it waits for, if so)."""
    if names_police_transfer(dispute) and (transfer := _one(dispute, "police_transfer")):
        if transfer.case_number:
            state = format_html("{} {}", _("case"), transfer.case_number)
        else:
            state = format_html('<span class="text-danger">{}</span>', _("awaiting the station's case number"))
        return format_html(
            '<br><small class="closing-note" data-note="police-transfer">{} · {}</small>', transfer.station.name, state
        )
    if names_court_referral(dispute) and (referral := _one(dispute, "court_referral")):
        if referral.outcome:
            state = referral.get_outcome_display()
        else:
            state = format_html('<span class="text-warning-emphasis">{}</span>', _("awaiting the court's outcome"))
        return format_html(
            '<br><small class="closing-note" data-note="court-referral">{} · {}</small>', referral.court, state
        )
    return ""


def _one(dispute, name: str):
    """The case's one-to-one record ``name`` (a transfer, a referral), or None when it has none."""
    try:
        return getattr(dispute, name)
    except ObjectDoesNotExist:
        return None
