"""Template tags of the sentiment log: the sub-navigation of its pages, and the
"cases" section other apps' pages include (the resident's agency matters and logs)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from govcenter.jurisdiction import is_admin

from .. import rules
from ..models import AgencyMatter
from ..selectors import agency_matters_visible_to, logs_to_cosign, logs_visible_to

register = template.Library()

RESIDENT_LOGS = 10
RESIDENT_MATTERS = 20


@register.inclusion_tag("sentiment/_nav.html", takes_context=True)
def sentiment_nav(context, here: str) -> dict:
    user = context["request"].user
    perms_cosign = getattr(user, "role", None) in rules.COSIGNING_ROLES
    return {
        "here": here,
        "perms_file": rules.can_file(user),
        "perms_queue": bool(rules.queue_level(user)) or is_admin(user),
        "perms_cosign": perms_cosign,
        "to_cosign": logs_to_cosign(user).count() if perms_cosign else 0,
    }


@register.simple_tag(takes_context=True)
def resident_cases(context, resident) -> dict:
    """The resident's agency matters (open first) and latest logs, as far as the viewer
    sees them; two queries."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or resident is None:
        return {"visible": False}
    matters = list(
        agency_matters_visible_to(user)
        .filter(resident=resident)
        .select_related("assignee")
        .order_by("-status", "due_on", "pk")[:RESIDENT_MATTERS]  # "open" sorts after "done": descending puts it first
    )
    logs = list(
        logs_visible_to(user)
        .filter(resident=resident)
        .select_related("recorded_by", "dispute")
        .order_by("-occurred_at", "-pk")[:RESIDENT_LOGS]
    )
    return {
        "visible": True,
        "matters": matters,
        "logs": logs,
        "today": timezone.localdate(),
        "open_count": sum(1 for m in matters if m.status == AgencyMatter.Status.OPEN),
    }
