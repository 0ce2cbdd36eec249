"""The sentiment log's figures on the home page's buttons (``govcenter.panels.ActionCount``):
the logs waiting in the user's queue (the tab it opens on), the open agency matters. Each is
one COUNT over the list's own queryset, so it equals the list."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from govcenter.levels import ASSIGNED_LEVELS
from govcenter.panels import ActionCount, register_action_count

from . import rules
from .models import AgencyMatter
from .selectors import agency_matters_visible_to, logs_visible_to


def queue_tab(level: str) -> str:
    """The tab the queue opens on: new logs to screen; a department's or unit's assigned ones."""
    return "in_hand" if level in ASSIGNED_LEVELS else "new"


def queue_count(user) -> int | None:
    from .views import queue_rows  # the queue page's own rows

    level = rules.queue_level(user)
    if level is None:
        return None
    return queue_rows(logs_visible_to(user), level, queue_tab(level)).order_by().count()


def open_agency_count(user) -> int:
    return agency_matters_visible_to(user).filter(status=AgencyMatter.Status.OPEN).count()


register_action_count(ActionCount(key="sentiment:queue", url_name="sentiment:queue", count=queue_count))
register_action_count(
    ActionCount(
        key="sentiment:agency_list",
        url_name="sentiment:agency_list",
        count=open_agency_count,
        query=lambda user: "state=open",
        caption=_("open"),
    )
)
