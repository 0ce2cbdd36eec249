"""The police review queue (待公安研判), shared by every app whose items the police judge.

An item (a dispute, a sentiment log) that needs a police opinion *enters* the queue once:
its app decides when (``needs_police_review``) and calls ``queue_enter`` inside the
step's transaction, which notifies the station staff covering the item's village and
the community police of its grid. The item then waits, with a deadline from the
administrator's policy, until a police officer gives the opinion (研判意见), one step in
the app's flow that calls ``queue_leave``. Meanwhile the reminders (``queue_reminders``)
warn the police before the deadline and the overdue sweep (``supervise_overdue``)
places an overdue entry under supervision (督办), once per deadline, renewing it.

The items carry their queue state in the fields of ``PoliceQueueItem``; the opinions are
rows of a ``PoliceOpinion`` subclass. Each app registers its part of the queue page
(``register_queue_source``) and of the police home page (``register_home_tile``), so that
this module imports no app.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import limits
from .jurisdiction import scope_of
from .signals import send_rows_updated


class Verdict(models.TextChoices):
    """What the police conclude (研判意见)."""

    NO_POLICE_MATTER = "no_police_matter", _("Not a police matter")
    JOINT_MEDIATION = "joint_mediation", _("Joint police-mediation")
    POLICE_INTERVENE = "police_intervene", _("Police intervene")
    FILE_CASE = "file_case", _("File a police case")


class ReviewState(models.TextChoices):
    """An item never queued has the empty state."""

    PENDING = "pending", _("Awaiting police review")
    GIVEN = "given", _("Police opinion given")


class PoliceQueueItem(models.Model):
    """The queue state of an item the police may have to judge."""

    police_review = models.CharField(
        _("police review"), max_length=8, choices=ReviewState.choices, blank=True, default=""
    )
    police_review_due_at = models.DateTimeField(_("police opinion due"), null=True, blank=True)
    police_review_supervised_at = models.DateTimeField(
        _("police opinion under supervision since"), null=True, blank=True
    )
    police_verdict = models.CharField(_("police verdict"), max_length=20, choices=Verdict.choices, blank=True)

    class Meta:
        abstract = True

    @property
    def awaits_police_review(self) -> bool:
        return self.police_review == ReviewState.PENDING

    def police_review_overdue(self, at: datetime.datetime | None = None) -> bool:
        return (
            self.awaits_police_review
            and self.police_review_due_at is not None
            and self.police_review_due_at < (at or timezone.now())
        )


class PoliceOpinion(models.Model):
    """One police opinion on an item; the app's subclass adds the foreign key to it."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("police officer")
    )
    # Blank only on opinions written before verdicts existed; the services require one.
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices, blank=True)
    opinion = models.TextField(_("police opinion"), max_length=limits.REASON)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]


# --- who ---------------------------------------------------------------------------------


def is_police_of(user, item) -> bool:
    """Station staff and community police whose jurisdiction covers the item's village or grid."""
    from .models import User

    if getattr(user, "role", None) not in (User.Role.STATION_STAFF, User.Role.COMMUNITY_POLICE):
        return False
    scope = scope_of(user)
    return item.village_id in scope.village_ids or (item.grid_id is not None and item.grid_id in scope.grid_ids)


def works_the_queue(user) -> bool:
    """Station staff and community police: they give the opinions (auxiliaries assist them)."""
    from .models import User

    return getattr(user, "role", None) in (User.Role.STATION_STAFF, User.Role.COMMUNITY_POLICE)


def police_of(item) -> QuerySet:
    """Whom an entry notifies: the staff of the stations covering the item's village and
    the community police serving its grid now."""
    from .models import User

    who = _station_staff_covering(item.village_id)
    if item.grid_id:
        who |= _community_police_serving(item.grid_id)
    return User.objects.filter(who, is_active=True).distinct().order_by("pk")


def _station_staff_covering(villages, lookup: str = "exact") -> Q:
    """The staff of the stations covering the village (``lookup`` "in": any of the villages)."""
    from .models import User

    return Q(role=User.Role.STATION_STAFF, **{f"police_station__villages__{lookup}": villages})


def _community_police_serving(grids, lookup: str = "exact") -> Q:
    """The community police serving the grid now (``lookup`` "in": any of the grids)."""
    from .models import User

    return Q(
        role=User.Role.COMMUNITY_POLICE,
        grid_memberships__ended_on__isnull=True,
        **{f"grid_memberships__grid_id__{lookup}": grids},
    )


@dataclass(frozen=True)
class PoliceOf:
    """``police_of(item)`` as a recipient group (``govcenter.reminders.Group``): the police of
    a chunk of reminders are looked up together, one query for the stations' staff of their
    villages and one for the community police of their grids."""

    village_id: int | None
    grid_id: int | None

    @classmethod
    def of(cls, item) -> PoliceOf:
        return cls(item.village_id, item.grid_id)

    @classmethod
    def members_of_many(cls, groups) -> dict[PoliceOf, list]:
        from .models import User

        groups = list(groups)
        by_village: dict[int, dict[int, User]] = {}
        villages = {g.village_id for g in groups if g.village_id is not None}
        station_staff = User.objects.filter(_station_staff_covering(villages, "in"), is_active=True).annotate(
            covered_village=models.F("police_station__villages")
        )
        for user in station_staff:
            by_village.setdefault(user.covered_village, {})[user.pk] = user
        by_grid: dict[int, dict[int, User]] = {}
        grids = {g.grid_id for g in groups if g.grid_id}
        community_police = User.objects.filter(_community_police_serving(grids, "in"), is_active=True).annotate(
            served_grid=models.F("grid_memberships__grid_id")
        )
        for user in community_police:
            by_grid.setdefault(user.served_grid, {})[user.pk] = user
        members = {}
        for g in groups:
            people = {**by_village.get(g.village_id, {}), **(by_grid.get(g.grid_id, {}) if g.grid_id else {})}
            members[g] = [people[pk] for pk in sorted(people)]
        return members


# --- the queue's writes (inside the app's step transaction) ---------------------------------


def queue_enter(item: PoliceQueueItem, *, due_at: datetime.datetime) -> bool:
    """Put ``item`` in the queue unless it has been there before; True if it entered now
    (the caller then writes its timeline event and notifies ``police_of(item)``).

    A conditional UPDATE on the empty state, so that two steps racing enter it once."""
    entered = (
        type(item)
        .objects.filter(pk=item.pk, police_review="")
        .update(police_review=ReviewState.PENDING, police_review_due_at=due_at)
    )
    if entered:
        send_rows_updated(type(item), [item.pk], ("police_review", "police_review_due_at"))
        item.police_review, item.police_review_due_at = ReviewState.PENDING, due_at
    return bool(entered)


def queue_leave(item: PoliceQueueItem, *, verdict: str) -> bool:
    """Record the verdict; the item leaves the queue if it was in it (True then)."""
    was_pending = item.police_review == ReviewState.PENDING
    type(item).objects.filter(pk=item.pk).update(
        police_review=ReviewState.GIVEN if item.police_review else "",
        police_verdict=verdict,
        police_review_due_at=None,
        police_review_supervised_at=None,
    )
    send_rows_updated(
        type(item),
        [item.pk],
        ("police_review", "police_verdict", "police_review_due_at", "police_review_supervised_at"),
    )
    if item.police_review:
        item.police_review = ReviewState.GIVEN
    item.police_verdict, item.police_review_due_at, item.police_review_supervised_at = verdict, None, None
    return was_pending


def queue_supervise(item: PoliceQueueItem, *, at: datetime.datetime, expected_due, new_due) -> bool:
    """Place an overdue entry under supervision, once per deadline (conditional on the
    deadline as read); the deadline is renewed so that supervision repeats if it stays overdue."""
    moved = (
        type(item)
        .objects.filter(pk=item.pk, police_review=ReviewState.PENDING, police_review_due_at=expected_due)
        .update(police_review_supervised_at=at, police_review_due_at=new_due)
    )
    if moved:
        send_rows_updated(type(item), [item.pk], ("police_review_supervised_at", "police_review_due_at"))
        item.police_review_supervised_at, item.police_review_due_at = at, new_due
    return bool(moved)


# --- the app's part: its queue section, its overdue and reminder handling -------------------


@dataclass(frozen=True)
class QueueSource:
    """One app's items in the queue.

    ``visible(user)``: the items the user sees (jurisdiction); ``rows(qs)``: what a row of
    the page shows, fetched without per-row queries; ``supervise(item, at)``: the app's
    service that supervises one overdue entry (raises the app's error if someone was first);
    ``remind(item)``: (title, body) of a reminder; ``live``: the entries that can still get
    an opinion (e.g. not archived; the others are neither listed, reminded nor supervised);
    ``order``: the queue page's order."""

    key: str
    title: str
    model: type[PoliceQueueItem]
    visible: Callable[[object], QuerySet]
    rows: Callable[[QuerySet], QuerySet]
    supervise: Callable[[PoliceQueueItem, datetime.datetime], object]
    remind: Callable[[PoliceQueueItem], tuple[str, str]]
    live: Q = Q()
    order: int = 0

    def pending(self, qs: QuerySet | None = None) -> QuerySet:
        """The live entries of ``qs`` (default: all) awaiting an opinion."""
        qs = self.model.objects.all() if qs is None else qs
        return qs.filter(self.live, police_review=ReviewState.PENDING)


_SOURCES: dict[str, QueueSource] = {}


def register_queue_source(source: QueueSource) -> QueueSource:
    _SOURCES[source.key] = source
    return source


def queue_sources() -> list[QueueSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def awaiting(source: QueueSource, user) -> QuerySet:
    """The entries of ``source`` awaiting ``user``'s review, urgent ones first, then soonest due."""
    from .urgent import urgent_first

    return urgent_first(source.pending(source.visible(user)).order_by("police_review_due_at", "pk"))


def awaiting_count(user) -> int:
    """Entries awaiting ``user``'s review, over every source."""
    return sum(awaiting(s, user).count() for s in queue_sources())


def supervise_overdue(*, at: datetime.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Supervise every entry whose opinion is overdue, over every source.

    Safe in several workers at once: each source's service is conditional on the
    deadline read here (``queue_supervise``), so an entry is supervised once per deadline
    and a second attempt raises, counted as skipped."""
    from .timeline import WorkflowError

    at = at or timezone.now()
    counts = {"supervised": 0, "skipped": 0}
    for source in queue_sources():
        last_pk = 0
        while True:
            base = source.pending().filter(police_review_due_at__lt=at)
            rows = list(base.filter(pk__gt=last_pk).order_by("pk")[:batch])
            if not rows:
                break
            for item in rows:
                last_pk = item.pk
                try:
                    source.supervise(item, at)
                    counts["supervised"] += 1
                except WorkflowError:
                    counts["skipped"] += 1
    return counts


def queue_reminders(source: QueueSource, at: datetime.datetime, horizon: datetime.timedelta) -> Iterator:
    """Reminders of the entries of ``source`` coming due, to ``police_of`` each (a
    ``govcenter.reminders`` kind: the app registers it under its own code)."""
    from .reminders import Reminder

    rows = (
        source.pending()
        .filter(police_review_due_at__gt=at, police_review_due_at__lte=at + horizon)
        .order_by("police_review_due_at", "pk")
    )
    for item in rows.iterator(chunk_size=500):
        title, body = source.remind(item)
        yield Reminder(
            subject=item,
            deadline=item.police_review_due_at,
            recipients=[PoliceOf.of(item)],
            title=title,
            body=body,
            url=item.get_absolute_url(),
        )


# --- the police home page --------------------------------------------------------------------


@dataclass(frozen=True)
class HomeTile:
    """A big button with a count on the home page of police roles. ``count(user)`` is the
    figure, ``url`` where the button leads (a URL name, or a callable of the user);
    ``order`` the position (lowest first)."""

    key: str
    label: str
    count: Callable[[object], int]
    url: str | Callable[[object], str]
    order: int = 0
    urgent: bool = True  # shown in red when the count is not zero
    shown: Callable[[object], bool] | None = None  # only for the users it answers True for


_TILES: dict[str, HomeTile] = {}


def register_home_tile(tile: HomeTile) -> HomeTile:
    _TILES[tile.key] = tile
    return tile


def home_tiles(user) -> list[dict]:
    """The police home buttons for ``user``: label, url, count (empty for other roles)."""
    from django.urls import reverse

    if not works_the_queue(user):
        return []
    tiles = []
    for tile in sorted(_TILES.values(), key=lambda t: (t.order, t.key)):
        if tile.shown is not None and not tile.shown(user):
            continue
        url = tile.url(user) if callable(tile.url) else reverse(tile.url)
        tiles.append(
            {"key": tile.key, "label": tile.label, "url": url, "count": tile.count(user), "urgent": tile.urgent}
        )
    return tiles


def this_week_start(at: datetime.datetime) -> datetime.datetime:
    """Monday 00:00 local time of the week of ``at`` ("new this week")."""
    from .levels import local_zone

    local = at.astimezone(local_zone())
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return datetime.datetime.combine(monday, datetime.time.min, tzinfo=local_zone())


# The first button: everything awaiting the user's review, over every source.
register_home_tile(
    HomeTile(
        key="awaiting_review", label=_("Awaiting police review"), count=awaiting_count, url="police_queue", order=10
    )
)
