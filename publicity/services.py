"""Every step of a campaign's life is one function here: it checks who may take it, runs
in a transaction, writes one event on the campaign's timeline, and notifies the people
concerned. Views, the admin and the demo call these; nothing else changes a campaign,
a distribution or an assignment.

Draft (district, township or village centre) -> submitted -> approved | returned with a
note (district centre) -> distributed to villages (district centre) -> handed to grids
(each village centre) -> activities recorded and assignments done (grid teams) -> closed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govcenter import uploads
from govcenter.drawn_filters import places_changed
from govcenter.levels import local_date
from govcenter.models import Area, User
from govcenter.timeline import WorkflowError, workflow_helpers
from grids.models import Grid
from grids.selectors import grid_workers_of
from sentiment.models import Log

from . import rules
from .files import validate_leaflet
from .models import Activity, Assignment, Audience, Campaign, CampaignEvent, PublicityForm, Topic, VillageDistribution
from .selectors import area_staff, district_staff

Status = Campaign.Status
Kind = CampaignEvent.Kind


class PublicityError(WorkflowError):
    """A step that is not allowed now, or input that cannot be accepted; the message is
    shown to the user and nothing changed. ``field`` names the form field it is about."""


# The kernel's helpers (govcenter.timeline): one event on the campaign's timeline, an inbox
# message linking to the item, the item's row locked, and the rule's refusal as our error.
_event, _notify, _locked, _require = workflow_helpers(CampaignEvent, PublicityError)


@dataclass
class CampaignData:
    """What the drafting centre fills in (the leaflet travels separately, as an upload)."""

    title: str
    topic: str
    content: str
    starts_on: datetime.date
    ends_on: datetime.date
    audiences: list[str] = field(default_factory=list)
    allowed_forms: list[str] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------------------


def _record(text, **values) -> str:
    """Text written into a record (an event note, a log's generated matter) in the portal's
    language, whatever the language of the page that wrote it, so records read alike.
    ``text`` is a lazy or gettext-marked string, formatted with ``values``."""
    with translation.override(settings.LANGUAGE_CODE):
        rendered = str(text)
        return rendered % values if values else rendered


def _check_data(data: CampaignData) -> CampaignData:
    """The rules of a well-formed campaign; the form checks them too, field by field."""
    data.title = (data.title or "").strip()
    data.content = (data.content or "").strip()
    _require(bool(data.title), _("Give the campaign a title."))
    _require(data.topic in Topic.values, _("Choose a topic."))
    _require(bool(data.content), _("Write the content of the campaign."))
    _require(data.starts_on is not None and data.ends_on is not None, _("Give the campaign's start and end dates."))
    _require(data.ends_on >= data.starts_on, _("The end date cannot be before the start date."))
    data.audiences = [a for a in Audience.values if a in set(data.audiences)]
    data.allowed_forms = [f for f in PublicityForm.values if f in set(data.allowed_forms)]
    _require(bool(data.audiences), _("Choose at least one target audience."))
    _require(bool(data.allowed_forms), _("Choose at least one form of activity."))
    return data


def _accepted_leaflet(leaflet: UploadedFile) -> UploadedFile:
    """The file to store (an image re-encoded; the form's copy is not re-encoded twice)."""
    try:
        return validate_leaflet(leaflet)
    except ValidationError as e:
        raise PublicityError(e.messages[0])


def _set_leaflet(campaign: Campaign, leaflet: UploadedFile) -> None:
    campaign.leaflet = leaflet
    campaign.leaflet_name = (leaflet.name or "")[:200]
    campaign.leaflet_type = leaflet.content_type
    campaign.leaflet_reencoded = uploads.is_reencoded(leaflet)
    campaign.leaflet_size = leaflet.size


def _finish(campaign: Campaign) -> Campaign:
    """Copy the saved state back into the caller's object, which the view goes on using."""
    campaign.refresh_from_db()
    return campaign


# --- drafting and review ---------------------------------------------------------------------


def campaign_create(
    *, actor: User, at: datetime.datetime, data: CampaignData, leaflet: UploadedFile | None = None
) -> Campaign:
    """A new draft of the actor's centre (district, township or village)."""
    _require(rules.can_draft(actor))
    data = _check_data(data)
    leaflet = _accepted_leaflet(leaflet) if leaflet else None
    owner = Area.objects.get(pk=rules.centre_area_id(actor))
    district = owner if owner.level == Area.Level.DISTRICT else Area.objects.get(code=owner.district_code + "000000")
    with transaction.atomic():
        campaign = Campaign(
            title=data.title,
            topic=data.topic,
            content=data.content,
            audiences=data.audiences,
            allowed_forms=data.allowed_forms,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            owner_area=owner,
            district=district,
            status=Status.DRAFT,
            created_by=actor,
            created_at=at,
        )
        if leaflet:
            _set_leaflet(campaign, leaflet)
        campaign.save()
        _event(campaign, Kind.CREATED, actor, at)
    return campaign


def campaign_update(
    *,
    campaign: Campaign,
    actor: User,
    at: datetime.datetime,
    data: CampaignData,
    leaflet: UploadedFile | None = None,
    remove_leaflet: bool = False,
) -> Campaign:
    """Change a draft, or a campaign returned for changes (it stays returned until resubmitted)."""
    data = _check_data(data)
    leaflet = _accepted_leaflet(leaflet) if leaflet else None
    old_file = None
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_edit(actor, c))
        c.title, c.topic, c.content = data.title, data.topic, data.content
        c.audiences, c.allowed_forms = data.audiences, data.allowed_forms
        c.starts_on, c.ends_on = data.starts_on, data.ends_on
        if leaflet or (remove_leaflet and c.leaflet):
            old_file = c.leaflet.name or None
            c.leaflet, c.leaflet_name, c.leaflet_type, c.leaflet_size = "", "", "", 0
        if leaflet:
            _set_leaflet(c, leaflet)
        c.save()
        _event(c, Kind.EDITED, actor, at)
        if old_file:
            storage = c.leaflet.storage
            transaction.on_commit(lambda: storage.delete(old_file))
    return _finish(campaign)


def campaign_submit(*, campaign: Campaign, actor: User, at: datetime.datetime, note: str = "") -> Campaign:
    """Send a draft (or a returned campaign, changed) to the district centre for review."""
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_submit(actor, c))
        c.status, c.submitted_at = Status.SUBMITTED, at
        c.save()
        _event(c, Kind.SUBMITTED, actor, at, note=note)
        _notify(c, district_staff(c.district_id), _("Campaign to review: %(title)s") % {"title": c.title}, note)
    return _finish(campaign)


def campaign_publish(*, campaign: Campaign, actor: User, at: datetime.datetime, note: str = "") -> Campaign:
    """The district centre publishes its own campaign: submitted and approved in one step
    (``rules.can_publish`` says why), ready to distribute."""
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_publish(actor, c))
        note = (note or "").strip() or _("Published directly by the district centre.")
        c.status, c.submitted_at, c.reviewed_at, c.reviewed_by, c.review_note = Status.APPROVED, at, at, actor, note
        c.save()
        _event(c, Kind.APPROVED, actor, at, note=note)
    return _finish(campaign)


def campaign_approve(*, campaign: Campaign, actor: User, at: datetime.datetime, note: str = "") -> Campaign:
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_approve(actor, c))
        c.status, c.reviewed_at, c.reviewed_by, c.review_note = Status.APPROVED, at, actor, note
        c.save()
        _event(c, Kind.APPROVED, actor, at, note=note)
        _notify(
            c,
            [*area_staff(c.owner_area_id), c.created_by],
            _("Campaign approved: %(title)s") % {"title": c.title},
            note,
        )
    return _finish(campaign)


def campaign_return(*, campaign: Campaign, actor: User, at: datetime.datetime, note: str) -> Campaign:
    """Send a submitted campaign back to its drafting centre, with a note of what to change."""
    note = (note or "").strip()
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_return(actor, c))
        _require(bool(note), _("Say what should be changed."), "note")
        c.status, c.reviewed_at, c.reviewed_by, c.review_note = Status.RETURNED, at, actor, note
        c.save()
        _event(c, Kind.RETURNED, actor, at, note=note)
        _notify(
            c,
            [*area_staff(c.owner_area_id), c.created_by],
            _("Campaign returned for changes: %(title)s") % {"title": c.title},
            note,
        )
    return _finish(campaign)


def campaign_close(*, campaign: Campaign, actor: User, at: datetime.datetime, note: str = "") -> Campaign:
    """End the campaign: no more hand-outs or activities; the figures stay as they are."""
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_close(actor, c))
        c.status, c.closed_at = Status.CLOSED, at
        c.save()
        _event(c, Kind.CLOSED, actor, at, note=note)
    return _finish(campaign)


# --- distribution ------------------------------------------------------------------------------


def _villages_of(areas: Iterable[Area]) -> list[Area]:
    """The villages named, and every village of the townships named (one query)."""
    from django.db.models import Q

    villages = [a for a in areas if a.level == Area.Level.VILLAGE]
    townships = [a for a in areas if a.level == Area.Level.TOWNSHIP]
    q = Q(pk__in=[v.pk for v in villages])
    for t in townships:
        q |= Q(path__startswith=t.path)
    return list(Area.objects.filter(q, level=Area.Level.VILLAGE).order_by("code"))


def campaign_distribute(
    *, campaign: Campaign, actor: User, at: datetime.datetime, areas: Iterable[Area]
) -> list[VillageDistribution]:
    """Send an approved campaign to the chosen townships (all their villages) and villages.

    Returns the distributions made now. A village that already received the campaign
    is skipped (the unique constraint on (campaign, village) stands behind this), so
    distributing twice creates nothing twice and adding villages later is safe.
    """
    areas = list(areas)
    with transaction.atomic():
        c = _locked(campaign)
        _require(rules.can_distribute(actor, c))
        _require(bool(areas), _("Choose at least one township or village."))
        district = Area.objects.get(pk=c.district_id)
        _require(
            all(
                a.level in (Area.Level.TOWNSHIP, Area.Level.VILLAGE) and a.code.startswith(district.prefix)
                for a in areas
            ),
            _("Choose townships and villages of this district."),
        )
        villages = _villages_of(areas)
        _require(bool(villages), _("The chosen townships have no villages."))
        already = set(VillageDistribution.objects.filter(campaign=c).values_list("village_id", flat=True))
        new = [v for v in villages if v.pk not in already]
        if not new:
            return []
        township_ids = dict(
            Area.objects.filter(code__in={Area.parent_code_of(v.code) for v in new}).values_list("code", "pk")
        )
        VillageDistribution.objects.bulk_create(
            [
                VillageDistribution(
                    campaign=c,
                    village=v,
                    township_id=township_ids[Area.parent_code_of(v.code)],
                    district=district,
                    distributed_by=actor,
                    distributed_at=at,
                )
                for v in new
            ],
            ignore_conflicts=True,
        )
        created = list(
            VillageDistribution.objects.filter(campaign=c, village__in=new, distributed_at=at).select_related("village")
        )
        first = c.status == Status.APPROVED
        c.status = Status.DISTRIBUTED
        if first:
            c.distributed_at = at
        c.save()
        _event(c, Kind.DISTRIBUTED, actor, at, note="、".join(v.name for v in new))
        clerks = User.objects.filter(is_active=True, role=User.Role.VILLAGE_CLERK, area__in=new)
        title = _("New publicity campaign to hand to your grids: %(title)s") % {"title": c.title}
        by_village: dict[int, list[User]] = {}
        for clerk in clerks:
            by_village.setdefault(clerk.area_id, []).append(clerk)
        for d in created:
            if d.village_id in by_village:
                _notify(d, by_village[d.village_id], title)
    _finish(campaign)
    return created


def assignments_hand_out(
    *,
    distribution: VillageDistribution,
    actor: User,
    at: datetime.datetime,
    grids: Iterable[Grid],
    due_on: datetime.date,
) -> list[Assignment]:
    """The village centre hands the campaign to some or all of its grids, due by ``due_on``.

    Returns the assignments made now. A grid that already has the campaign keeps its
    assignment (and due date): one assignment per campaign and grid, whatever is
    clicked twice (the unique constraint on (campaign, grid) stands behind this).
    """
    grids = list(grids)
    with transaction.atomic():
        c = _locked(distribution.campaign)
        _require(rules.can_hand_out(actor, distribution, c))
        _require(bool(grids), _("Choose at least one grid."))
        _require(all(g.village_id == distribution.village_id for g in grids), _("Choose grids of this village."))
        today = local_date(at)
        _require(due_on is not None and due_on >= today, _("The due date cannot be in the past."))
        _require(
            c.starts_on <= due_on <= c.ends_on,
            _("The due date must fall within the campaign period (%(start)s to %(end)s).")
            % {"start": c.starts_on, "end": c.ends_on},
        )
        already = set(Assignment.objects.filter(campaign=c, grid__in=grids).values_list("grid_id", flat=True))
        new = [g for g in grids if g.pk not in already]
        if not new:
            return []
        Assignment.objects.bulk_create(
            [
                Assignment(
                    campaign=c,
                    distribution=distribution,
                    grid=g,
                    village_id=distribution.village_id,
                    township_id=distribution.township_id,
                    district_id=distribution.district_id,
                    due_on=due_on,
                    assigned_by=actor,
                    assigned_at=at,
                )
                for g in new
            ],
            ignore_conflicts=True,
        )
        # The grids' workers now see the campaign: forget the filters drawn without it (a bulk
        # write sends no save signal; govcenter/drawn_filters.py).
        places_changed()
        created = list(Assignment.objects.filter(campaign=c, grid__in=new, assigned_at=at).select_related("grid"))
        _event(
            c,
            Kind.HANDED_OUT,
            actor,
            at,
            distribution=distribution,
            note=_record(gettext_lazy("%(grids)s, due %(due)s"), grids="、".join(g.name for g in new), due=due_on),
        )
        title = _("Publicity campaign for your grid: %(title)s (due %(due)s)") % {"title": c.title, "due": due_on}
        workers = grid_workers_of([a.grid_id for a in created]).prefetch_related("grid_memberships")
        for a in created:
            _notify(
                a,
                [
                    w
                    for w in workers
                    if any(m.grid_id == a.grid_id and m.ended_on is None for m in w.grid_memberships.all())
                ],
                title,
            )
    return created


# --- the grid team's work ---------------------------------------------------------------------

# The livelihood category a publicity log is filed under, by campaign topic.
LOG_CATEGORY_OF_TOPIC = {
    Topic.ANTI_FRAUD: Log.Category.SECURITY_HAZARD,
    Topic.ANTI_CULT: Log.Category.SECURITY_HAZARD,
    Topic.ANTI_DROWNING: Log.Category.SECURITY_HAZARD,
    Topic.SAFE_PRODUCTION: Log.Category.PRODUCTION_SAFETY,
}
# log_file's field names -> the activity form's.
_LOG_FIELDS = {
    "occurred_on": "held_on",
    "occurred_time": "held_at",
    "publicity_form": "form",
    "participants": "participants",
    "households_reached": "households",
    "matter": "matter",
    "photos": "photos",
    "accompanied_by": "accompanied_by",
    "grid": None,
}


def activity_record(
    *,
    assignment: Assignment,
    actor: User,
    at: datetime.datetime,
    form: str,
    held_at: datetime.datetime,
    place: str,
    participants: int,
    households: int,
    matter: str = "",
    accompanied_by: User | None = None,
    photos: Iterable[UploadedFile] = (),
) -> Activity:
    """Record one activity of the assignment: the grid worker files a people's-sentiment log
    of kind publicity (through ``sentiment.services.log_file``, which checks the worker,
    the date, the numbers and the photos) and the activity links it to the assignment.
    One transaction: if either part is refused, neither is kept."""
    from sentiment.services import LogError, log_file

    place = (place or "").strip()
    with transaction.atomic():
        c = _locked(assignment.campaign)
        a = Assignment.objects.select_for_update().select_related("grid__village").get(pk=assignment.pk)
        _require(rules.can_record_activity(actor, a, c))
        if form not in c.allowed_forms:
            raise PublicityError(
                _("This campaign is carried out as %(forms)s.") % {"forms": "、".join(c.form_labels())}, "form"
            )
        if participants is None or participants < 0:
            raise PublicityError(_("The number of participants cannot be negative."), "participants")
        if households is None or households < 0:
            raise PublicityError(_("The number of households reached cannot be negative."), "households")
        # Door-to-door publicity has no single place: the households are the place.
        if not place and form != PublicityForm.DOOR_TO_DOOR:
            raise PublicityError(_("Say where the activity took place."), "place")
        held_on = local_date(held_at)
        if held_on < c.starts_on:
            raise PublicityError(
                _("The campaign starts on %(date)s; the activity cannot be earlier.") % {"date": c.starts_on}, "held_on"
            )
        form_label = _record(PublicityForm(form).label)
        matter = (matter or "").strip() or f"{c.title} · {form_label}"
        try:
            log = log_file(
                actor=actor,
                grid=a.grid,
                at=at,
                occurred_at=held_at,
                kind=Log.Kind.PUBLICITY,
                category=LOG_CATEGORY_OF_TOPIC.get(c.topic, Log.Category.OTHER),
                matter=matter,
                place=place,
                policy_basis=c.title[:300],
                result=_record(
                    gettext_lazy("%(people)d people, %(households)d households reached"),
                    people=participants,
                    households=households,
                ),
                accompanied_by=accompanied_by,
                publicity_form=form,
                participants=participants,
                households_reached=households,
                photos=photos,
            )
        except LogError as e:
            raise PublicityError(str(e), _LOG_FIELDS.get(e.field or "", None))
        activity = Activity.objects.create(assignment=a, log=log, held_on=held_on, recorded_at=at)
        _event(
            c,
            Kind.ACTIVITY,
            actor,
            at,
            assignment=a,
            note=" · ".join(str(x) for x in (held_on, form_label, place, f"{participants}/{households}") if x),
        )
    return activity


def assignment_complete(*, assignment: Assignment, actor: User, at: datetime.datetime, note: str = "") -> Assignment:
    """The grid team marks its assignment done; it needs at least one recorded activity."""
    with transaction.atomic():
        c = _locked(assignment.campaign)
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        _require(rules.can_complete(actor, a, c))  # the team at work, with an activity recorded
        a.done_at, a.done_by, a.done_note = at, actor, (note or "").strip()
        a.save(update_fields=["done_at", "done_by", "done_note"])
        _event(c, Kind.ASSIGNMENT_DONE, actor, at, assignment=a, note=a.done_note)
    assignment.refresh_from_db()
    return assignment
