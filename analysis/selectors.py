"""Reads with the jurisdiction rule (``govcenter.jurisdiction.scope_of``) for the warnings."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from disputes.models import Dispute
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.models import User

from .models import Warning, WarningCase
from .rules import sees_warnings

Role = User.Role


def warnings_visible_to(user) -> QuerySet[Warning]:
    """An administrator every warning; district staff their district's; township staff their
    township's; a village clerk the warnings placed in their village (not one spanning
    several villages: it names other villages' cases); station staff the warnings with a
    case in a village their station covers."""
    rows = Warning.objects.select_related("rule", "district", "township", "village", "handler")
    if not sees_warnings(user):
        return rows.none()
    if is_admin(user):
        return rows
    scope = scope_of(user)
    if user.role == Role.STATION_STAFF:
        if not scope.village_ids:
            return rows.none()
        # Each case's dispute looked up by its id (``+ 0``): joined on the bare column,
        # PostgreSQL may walk the whole ledger in id order looking for the villages' cases
        # (a merge join; 420 ms at a million disputes when the villages have no recent case).
        in_villages = Dispute.objects.filter(pk=OuterRef("dispute_id") + 0, village_id__in=sorted(scope.village_ids))
        covered = WarningCase.objects.filter(Exists(in_villages), warning=OuterRef("pk"))
        return rows.filter(Exists(covered))
    area = scope.area
    if area is None:
        return rows.none()
    field = {Role.DISTRICT_STAFF: "district", Role.TOWNSHIP_STAFF: "township", Role.VILLAGE_CLERK: "village"}[user.role]
    return rows.filter(**{field: area})


def cases_to_link(user, warning: Warning) -> list:
    """The warning's cases ``user`` may link (the ledger's own rule, ``disputes.rules.can_link``),
    in ledger order: the ones the "link its cases" step links."""
    from disputes.rules import can_link
    from disputes.selectors import disputes_visible_to

    cases = disputes_visible_to(user).filter(warnings=warning).order_by("pk")
    return [d for d in cases if can_link(user, d)]
