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

_BADGES: dict[str, Callable[[object], int]] = {}


def register_nav_badge(key: str, count: Callable[[object], int]) -> None:
    """``count(user)`` is shown beside the navbar entry ``key`` (e.g. the open warnings)."""
    _BADGES[key] = count


def nav_badge(key: str, user) -> int | None:
    count = _BADGES.get(key)
    return count(user) if count is not None else None
