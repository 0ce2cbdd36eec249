"""Panels of the home page that other apps contribute, so that govcenter imports none of them.

An app registers a ``HomePanel`` from its ``AppConfig.ready``: ``context(user, now)`` gives
the template's context for ``user`` (None: nothing to show to that user), ``template`` the
template included with it under the name ``panel``; ``order`` the position (lowest first).
The home view renders every panel that answers; it knows neither the apps nor the figures.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    context: Callable[[object, datetime.datetime], dict | None]
    order: int = 0


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> HomePanel:
    _PANELS[panel.key] = panel
    return panel


def home_panels(user, now: datetime.datetime) -> list[dict]:
    """[{key, template, panel: context}] of the panels with something for ``user``."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(user, now)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "panel": context})
    return shown


# --- counts beside navbar entries -------------------------------------------------------------

_BADGES: dict[str, Callable[[object], QuerySet | None]] = {}


def register_nav_badge(key: str, rows: Callable[[object], QuerySet | None]) -> None:
    """Beside the navbar entry ``key``, the number of ``rows(user)`` (e.g. the open warnings
    the user sees), counted up to 100 with the navbar's other counts in one query; None: no
    badge for that user."""
    _BADGES[key] = rows


def nav_badge_rows(key: str, user) -> QuerySet | None:
    rows = _BADGES.get(key)
    return rows(user) if rows is not None else None


# --- figures on the home page's quick-action buttons ------------------------------------------


@dataclass(frozen=True)
class ActionCount:
    """What waits behind a quick-action button (``context_processors.quick_actions``): the
    button named ``key`` leads to ``url_name`` with ``query(user)`` appended, and shows
    ``count(user)``, the number of rows that list holds for ``user`` (None: no figure).
    ``count`` runs one query at most, whatever the size of the tables (counting the list's
    own queryset, so the figure is the list's)."""

    key: str
    url_name: str
    count: Callable[[object], int | None]
    query: Callable[[object], str] | None = None
    caption: str = ""  # what the figure counts, for screen readers ("to accept"); else "waiting"


_COUNTS: dict[str, ActionCount] = {}


def register_action_count(action: ActionCount) -> ActionCount:
    _COUNTS[action.key] = action
    return action


def action_count(key: str) -> ActionCount | None:
    return _COUNTS.get(key)
