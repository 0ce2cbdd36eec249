"""The ledger's figures on the home page's buttons (``govcenter.panels.ActionCount``): the
disputes waiting for the user's centre to accept them, and the open cases assigned to the
user's department. Each is one COUNT over the list's own filter, so it equals the list."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from govcenter.levels import level_of
from govcenter.panels import ActionCount, register_action_count

from .filters import OPEN_STATUS
from .models import Dispute
from .selectors import disputes_visible_to


def _to_accept_query(user) -> str:
    level = level_of(user)
    return f"status={Dispute.Status.REGISTERED}" + (f"&level={level}" if level else "")


def to_accept_count(user) -> int | None:
    """Registered (not yet accepted) disputes at the user's own level: the ledger with
    ``_to_accept_query``."""
    level = level_of(user)
    if level is None:
        return None
    return disputes_visible_to(user).filter(status=Dispute.Status.REGISTERED, level=level).count()


def assigned_open_count(user) -> int:
    """A department's open cases: the ledger with status=open."""
    return disputes_visible_to(user).filter(status__in=Dispute.OPEN_STATUSES).count()


register_action_count(
    ActionCount(
        key="disputes:to_accept",
        url_name="disputes:list",
        count=to_accept_count,
        query=_to_accept_query,
        caption=_("to accept"),
    )
)
register_action_count(
    ActionCount(
        key="disputes:assigned",
        url_name="disputes:list",
        count=assigned_open_count,
        query=lambda user: f"status={OPEN_STATUS}",
        caption=_("open"),
    )
)
