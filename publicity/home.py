"""Publicity's figures on the home page's buttons (``govcenter.panels.ActionCount``): the
grid worker's assignments not started, the village's campaigns not yet handed to its grids,
the district's campaigns awaiting review. One COUNT each, whatever the size of the tables."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from govcenter.jurisdiction import scope_of
from govcenter.panels import ActionCount, register_action_count

from .models import Campaign
from .rules import works_the_review_queue
from .selectors import assignments_visible_to, campaigns_visible_to, distributions_visible_to


def not_started_count(user) -> int:
    """The user's grids' open assignments without any activity yet (rows of "my assignments")."""
    return (
        assignments_visible_to(user)
        .filter(grid_id__in=sorted(scope_of(user).grid_ids), done_at__isnull=True, activities__isnull=True)
        .count()
    )


def to_hand_out_count(user) -> int:
    """Campaigns the village received and has not handed to any grid yet (the village centre's)."""
    return (
        distributions_visible_to(user)
        .filter(campaign__status=Campaign.Status.DISTRIBUTED, assignments__isnull=True)
        .count()
    )


def to_review_count(user) -> int | None:
    if not works_the_review_queue(user):
        return None
    return campaigns_visible_to(user).awaiting_review().count()


register_action_count(
    ActionCount(
        key="publicity:my_assignments",
        url_name="publicity:my_assignments",
        count=not_started_count,
        caption=_("not started"),
    )
)
register_action_count(
    ActionCount(
        key="publicity:distributions",
        url_name="publicity:distributions",
        count=to_hand_out_count,
        caption=_("to hand out"),
    )
)
register_action_count(
    ActionCount(
        key="publicity:review_queue",
        url_name="publicity:review_queue",
        count=to_review_count,
        caption=_("to review"),
    )
)
