"""A list's filter form, drawn once and kept: the ledger's form has some twenty fields and a
few hundred options, and drawing it (building the django-filter form, reading its township,
village and grid choices, rendering every option) was a fifth of the ledger page's time,
for the same HTML on every page a user turns.

A filter set opts in with ``keep_drawn_form = True`` when its choices come only from its own
constants, the residents' care tags, the places a user works in (areas, grids, grid
teams, police stations' villages, the user's own role and place), the people in them
(the logs' grid workers, by name) and the rows an app connects with ``watch`` (publicity's
campaigns): the user's fields are part of the key, and every write to those rows replaces
the version token below (a save or delete through the ORM, a station's villages, any import,
a team member leaving, a user's save unless it records only a login; an app's bulk writes
call ``places_changed`` themselves). The drawn form is kept under that token, per user, language, page and
filter values, for ``TIMEOUT`` seconds at most: with the per-process local-memory cache
another process sees a change within that time (set ``CACHE_URL`` to Redis to share it).

Never kept: a form showing errors, and a form of a filter set that has not opted in. A kept
form only offers choices; what a chosen value filters is always checked against the
user's jurisdiction as it is now (the filter set's own querysets)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from . import cache_versions

VERSION_KEY = "drawn-filters:version"
TIMEOUT = 60  # seconds


def _version() -> str:
    return cache_versions.current(VERSION_KEY)


def places_changed(**_signal) -> None:
    """Forget every kept form: a row their choices come from changed (a place, grid, team,
    station, care tag, or a row an app ``watch``es or writes in bulk, such as a campaign or
    its hand-out)."""
    cache_versions.replace(VERSION_KEY)


# A user's columns that a kept form shows or chooses by (a worker's name and role, the
# places): a save naming only others (a login's last_login) forgets nothing.
_USER_FIELDS_SHOWN = frozenset(
    {"username", "full_name", "first_name", "last_name", "role", "is_active", "area", "police_station", "department"}
)


def people_changed(update_fields=None, **_signal) -> None:
    """Forget every kept form when a user was saved or deleted, unless the save named only
    columns no form shows (``update_fields``: a login saves ``last_login`` alone)."""
    if update_fields is not None and not _USER_FIELDS_SHOWN.intersection(update_fields):
        return
    places_changed()


def _user_key(user) -> tuple:
    """What a user's choices depend on, besides the rows above: who they are and their place."""
    return (
        user.pk,
        user.is_active,
        user.is_superuser,
        getattr(user, "role", ""),
        getattr(user, "area_id", None),
        getattr(user, "police_station_id", None),
        getattr(user, "department_id", None),
    )


def drawn_form(filterset, request, flags: tuple, draw: Callable[[], str]) -> str:
    """The filter form ``draw()`` draws, from the cache when this user was shown it for the
    same values, page and ``flags`` (what else the template draws it with) lately."""
    user = getattr(request, "user", None)
    if (
        not getattr(filterset, "keep_drawn_form", False)
        or user is None
        or not user.is_authenticated
        or (filterset.is_bound and filterset.form.errors)
    ):
        return draw()
    data = filterset.data if filterset.is_bound else {}
    values = []
    for name in filterset.filters:
        given = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if any(given):
            values.append((name, tuple(given)))
    parts = (
        type(filterset).__module__,
        type(filterset).__qualname__,
        _user_key(user),
        get_language(),
        request.path,
        filterset.is_bound,
        tuple(values),
        flags,
    )
    key = f"drawn-filters:{_version()}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = draw()
        cache.set(key, html, TIMEOUT)
    return html


def watch(model) -> None:
    """Forget every kept form when a row of ``model`` is saved or deleted: for an app whose
    rows a kept form offers (its ``AppConfig.ready`` calls this)."""
    name = f"{model._meta.app_label}.{model.__name__}"
    post_save.connect(places_changed, sender=model, dispatch_uid=f"drawn-filters-save-{name}")
    post_delete.connect(places_changed, sender=model, dispatch_uid=f"drawn-filters-delete-{name}")


def connect() -> None:
    """Replace the token on every write to the rows a kept form's choices come from."""
    from govcenter.models import Area, PoliceStation, User
    from grids.models import CareTag, Grid, GridMembership

    for model in (Area, Grid, GridMembership, PoliceStation, CareTag):
        watch(model)
    m2m_changed.connect(places_changed, sender=PoliceStation.villages.through, dispatch_uid="drawn-filters-villages")
    # Users: the logs' filter offers the grid workers by name.
    post_save.connect(people_changed, sender=User, dispatch_uid="drawn-filters-save-User")
    post_delete.connect(people_changed, sender=User, dispatch_uid="drawn-filters-delete-User")
