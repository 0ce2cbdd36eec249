"""Every step of a dispute's life is one function here: it asks the step's rule
(``rules.can_<step>``, the same the detail page asks; a refusal says why), checks its
input, runs in a transaction, writes one timeline event, and notifies the people
concerned. Views (through the table of steps in ``views.FLOW``), tasks and the admin
call these; nothing else changes a dispute's state. The helpers ``_event``, ``_notify``,
``_locked`` and ``_require`` are the kernel's (``govcenter.timeline``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govcenter import feedback, uploads
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.levels import (
    ASSIGNED_LEVELS,
    BRANCHES,
    level_handler,
    level_place,
    level_staff_of_many,
    local_date,
    local_zone,
    move_to_level,
)
from govcenter.models import Area, Department, User
from govcenter.police import Verdict, police_of, queue_enter, queue_leave, queue_supervise
from govcenter.services import Message, notifications_send
from govcenter.signals import send_rows_updated
from govcenter.supervision import Supervised
from govcenter.timeline import WorkflowError, workflow_helpers
from govcenter.urgent import Urgency
from grids.models import Grid, Resident

from . import rules, selectors
from .deadlines import deadline_for, follow_up_dates, police_review_deadline
from .files import validate_upload
from .models import (
    Attachment,
    CourtReferral,
    Dispute,
    DisputeEvent,
    DisputeLinkGroup,
    FollowUp,
    LedgerCounter,
    Level,
    MediationRecord,
    Party,
    PoliceReview,
    PoliceReviewPolicy,
    PoliceTransfer,
)
from .parties import district_place_names, party_match_key
from .selectors import covering_stations, station_staff

Status = Dispute.Status
Kind = DisputeEvent.Kind
Role = User.Role


class DisputeError(WorkflowError):
    """A step that is not allowed now; the message is shown to the user and nothing changed."""


@dataclass
class PartyData:
    role: str
    name: str
    kind: str = Party.Kind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""
    resident: Resident | None = None
    credit_code: str = ""  # organisations only, already validated (govcenter.identity)


# --- helpers ---------------------------------------------------------------------


def ledger_number_next(*, district: Area, year: int) -> str:
    """Take the next sequence number of ``district`` and ``year`` and format the ledger number.

    1. One statement, INSERT ... ON CONFLICT DO UPDATE ... RETURNING, both on SQLite
       (3.35+) and PostgreSQL: the counter row is created or incremented atomically and
       stays locked until the registering transaction commits, so two registrations at
       the same moment get different numbers.
    2. If the registration rolls back, the increment rolls back with it; if the
       registration fails later for another reason, a number may be skipped (the ledger
       is gap-tolerant, never duplicate).
    """
    table = connection.ops.quote_name(LedgerCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (district_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (district_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [district.pk, year],
        )
        (seq,) = cursor.fetchone()
    return f"MD-{district.district_code}-{year}-{seq:06d}"


# Write a timeline event, notify, re-read the row locked, refuse with DisputeError.
_record, _notify_about, _locked, _require = workflow_helpers(DisputeEvent, DisputeError)

# What a lead case's steps set and its merged cases (并案) share: the handling state and
# the result. Not the place, the parties, the flags or the deadline (the lead carries it).
MERGED_STATE = (
    "status",
    "level",
    "department_id",
    "handler_id",
    "result",
    "referral",
    "resolved_at",
    "archived_at",
    "escalated_at",
    "result_level",
    "result_returned_at",
    "parties_told_at",
    "parties_told_by_id",
    "parties_told_how",
    "satisfaction",
)


def _event(d: Dispute, kind: str, actor: User | None, at: datetime.datetime, *, note: str = "", **fields):
    """Write the timeline event of a step taken on ``d``, as every service does after
    saving it, and apply the step to the cases merged into ``d`` (the one place that does:
    ``_apply_to_merged``). No query for a case that is not linked."""
    event = _record(d, kind, actor, at, note=note, **fields)
    if d.link_group_id is not None and d.merged_into_id is None:
        _apply_to_merged(d, event)
    return event


def _apply_to_merged(lead: Dispute, event: DisputeEvent) -> None:
    """Copy the lead's handling state onto each merged case it differs on, in the step's
    transaction, with the event "handled with lead case MD-..." on that case."""
    state = {name: getattr(lead, name) for name in MERGED_STATE}
    changed = [
        m
        for m in Dispute.objects.select_for_update().filter(merged_into=lead).order_by("pk")
        if any(getattr(m, name) != value for name, value in state.items())
    ]
    if not changed:
        return
    Dispute.objects.filter(pk__in=[m.pk for m in changed]).update(**state, due_at=None, updated_at=event.at)
    send_rows_updated(Dispute, [m.pk for m in changed], (*state, "due_at"))
    note = _("Handled with lead case %(number)s: %(step)s") % {"number": lead.number, "step": event.label}
    if event.note:
        note = f"{note} · {event.note}"
    for m in changed:
        for name, value in state.items():
            setattr(m, name, value)
        m.due_at = None
        _record(
            m, Kind.WITH_LEAD, event.actor, event.at, note=note, from_level=event.from_level, to_level=event.to_level
        )


def _notify(dispute: Dispute, users, title: str, body: str = "", *, skip=None) -> None:
    """Notify about ``dispute``; its ledger number in ``title`` is followed by the parties and
    the matter (``Dispute.notice_name``), so the reader knows the case without opening it."""
    if dispute.number in title:
        title = title.replace(dispute.number, dispute.notice_name(), 1)
    _notify_about(dispute, users, title, body, skip=skip)


def _notify_level(dispute: Dispute, level: str, title: str, body: str = "", *, extra=()) -> None:
    _notify(dispute, [*selectors.level_people(dispute, level), *extra], title, body)


def _result_to_station(d: Dispute, body: str) -> None:
    """A 110 dispute the station handed to a centre is closed: its result returns to the
    station, whose staff are told and confirm it (``dispute_station_confirm``)."""
    if d.result_returns_to_station and d.station_confirmed_at is None:
        _notify(
            d,
            selectors.station_staff(d.police_station),
            _("Result of 110 dispute %(number)s returned to the station for confirmation") % {"number": d.number},
            body,
        )


def _finish(dispute: Dispute, _locked_copy: Dispute) -> Dispute:
    """Copy the saved state back into the caller's object, which the view goes on using."""
    dispute.refresh_from_db()
    return dispute


# --- registration -------------------------------------------------------------------


def dispute_register(
    *,
    actor: User,
    at: datetime.datetime,
    source: str,
    category: str,
    summary: str,
    description: str,
    occurred_on: datetime.date,
    parties: list[PartyData],
    risk_level: str = "general",
    risk_criminal: bool = False,
    risk_mass_incident: bool = False,
    vulnerable_party: bool = False,
    people_involved: int | None = None,
    grid: Grid | None = None,
    village: Area | None = None,
    township: Area | None = None,
    location: str = "",
    source_reference: str = "",
    alarm_number: str = "",
    alarm_at: datetime.datetime | None = None,
    urgent_reason: str = "",
    accept_here: bool = False,
) -> Dispute:
    """Register a dispute at the actor's own level.

    With ``accept_here`` (the registration page, a log turned into a dispute) a centre that
    registers a case it will handle itself (a village clerk at village level, township
    staff at township level: ``rules.can_accept``) accepts it in the same step, one
    timeline event "registered and accepted", so nobody waits for the same clerk to
    accept it. Not at district level, where the district may still divert it down first.

    With an ``urgent_reason`` the case is registered urgent (紧急): the centres of every
    level and its police are alerted at once (``govcenter.urgent``).

    Grid workers register in the grids they serve, village clerks in their village,
    township staff in their township, district staff anywhere in their district (and
    may then divert it down). The place is completed upwards from what is given.

    Station staff and community police register a 110 call that is a civil dispute, with
    its alarm receipt number and time, in a village their station covers: the station
    holds it (nobody is notified) until it hands it to mediation
    (``dispute_hand_to_mediation``).
    """
    _require(rules.can_register(actor), _("Your role cannot register disputes."))
    _require(any(p.role == Party.Role.APPLICANT for p in parties), _("A dispute needs at least one applicant."))
    _require(occurred_on <= local_date(at), _("The date the dispute arose cannot be in the future."))
    if grid is not None:
        village = grid.village
    if village is not None:
        _require(village.level == Area.Level.VILLAGE, _("Choose a village."))
        township = Area.objects.get(code=Area.parent_code_of(village.code))
    if township is not None:
        _require(township.level == Area.Level.TOWNSHIP, _("Choose a township."))
        district = Area.objects.get(code=Area.parent_code_of(township.code))
    elif actor.role == Role.DISTRICT_STAFF and actor.area is not None:
        district = actor.area
    else:
        raise DisputeError(_("Choose where the dispute is: a grid, a village or a township."))

    scope = scope_of(actor)
    police_station = None
    if is_admin(actor):
        level = Level.VILLAGE if village else (Level.TOWNSHIP if township else Level.DISTRICT)
    elif actor.role == Role.GRID_WORKER:
        _require(
            grid is not None and grid.pk in scope.grid_ids, _("You can register disputes only in the grids you serve.")
        )
        level = Level.VILLAGE
    elif actor.role == Role.VILLAGE_CLERK:
        _require(
            village is not None and village.pk == actor.area_id,
            _("You can register disputes only in your own village."),
        )
        level = Level.VILLAGE
    elif actor.role == Role.TOWNSHIP_STAFF:
        _require(
            township is not None and township.pk == actor.area_id,
            _("You can register disputes only in your own township."),
        )
        level = Level.TOWNSHIP
    elif actor.role in rules.POLICE_REGISTERING_ROLES:
        _require(
            source == Dispute.Source.POLICE_110, _("The police register disputes that came in as 110 calls."), "source"
        )
        _require(
            village is not None and village.pk in scope.village_ids,
            _("You can register disputes only in the villages your station covers."),
        )
        _require(bool(alarm_number.strip()), _("Enter the alarm receipt number (接警单号)."), "alarm_number")
        _require(alarm_at is not None, _("Enter when the alarm was received."), "alarm_at")
        _require(alarm_at <= at, _("The alarm cannot have been received in the future."), "alarm_at")
        police_station = actor.police_station
        level = Level.VILLAGE
    else:  # district staff
        _require(district.pk == actor.area_id, _("You can register disputes only in your own district."))
        level = Level.DISTRICT

    with transaction.atomic():
        year = at.astimezone(local_zone()).year
        dispute = Dispute.objects.create(
            number=ledger_number_next(district=district, year=year),
            district=district,
            township=township,
            village=village,
            grid=grid,
            source=source,
            source_reference=source_reference,
            category=category,
            summary=summary,
            description=description,
            occurred_on=occurred_on,
            location=location,
            risk_level=risk_level,
            risk_criminal=risk_criminal,
            risk_mass_incident=risk_mass_incident,
            vulnerable_party=vulnerable_party,
            people_involved=people_involved,
            police_station=police_station,
            alarm_number=alarm_number.strip(),
            alarm_at=alarm_at,
            status=Status.REGISTERED,
            level=level,
            registered_level=level,
            registered_by=actor,
            registered_at=at,
            due_at=deadline_for(risk_level=risk_level, level=level, at=at),
        )
        organisation = any(p.kind == Party.Kind.ORGANISATION for p in parties)
        places = district_place_names(district.pk) if organisation else ()
        for p in parties:
            party = Party(
                dispute=dispute,
                role=p.role,
                kind=p.kind,
                name=p.name.strip(),
                phone=p.phone,
                address=p.address,
                resident=p.resident,
                credit_code=p.credit_code if p.kind == Party.Kind.ORGANISATION else "",
            )
            party.set_id_number(p.id_number if p.kind == Party.Kind.PERSON else "")
            party.match_key = party_match_key(party, place_names=places)
            party.save()
        dispute.search_text = dispute.build_search_text([p.name.strip() for p in parties])
        fields = ["search_text"]
        if accept_here and level != Level.DISTRICT and not is_admin(actor) and rules.can_accept(actor, dispute):
            dispute.status, dispute.handler = Status.ACCEPTED, actor
            fields += ["status", "handler"]
        dispute.save(update_fields=fields)
        _event(dispute, Kind.REGISTERED, actor, at, to_level=level)
        if police_station is None:  # the police's own case reaches a centre when handed over
            _notify_level(
                dispute,
                level,
                _("New dispute %(number)s: %(summary)s") % {"number": dispute.number, "summary": summary},
            )
        police_queue_check(dispute, at=at, skip=actor)
        if urgent_reason:
            URGENCY.mark_now(dispute, actor=actor, at=at, urgent_reason=urgent_reason)
    return dispute


def dispute_hand_to_mediation(
    *, dispute: Dispute, actor: User, at: datetime.datetime, handed_to: str, note: str = ""
) -> Dispute:
    """The police station hands a 110 dispute it registered to mediation (警调联动): the
    village or township centre of the place (which accepts and mediates it as any case,
    its result returning to the station), or the station's own mediation room (whose
    staff then take the mediation steps). The receiving centre is notified."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_hand_to_mediation(actor, d))
        _require(handed_to in Dispute.HandedTo.values, _("Choose who mediates the dispute."), "handed_to")
        level = Level.TOWNSHIP if handed_to == Dispute.HandedTo.TOWNSHIP else Level.VILLAGE
        _require(
            getattr(d, f"{level}_id") is not None, _("This dispute has no %(level)s.") % {"level": Level(level).label}
        )
        d.handed_to, d.handed_at = handed_to, at
        d.level, d.registered_level, d.status, d.handler = level, level, Status.REGISTERED, None
        d.due_at = deadline_for(risk_level=d.risk_level, level=level, at=at)
        d.save()
        label = d.get_handed_to_display()
        _event(
            d,
            Kind.HANDED_OVER,
            actor,
            at,
            note=" · ".join(x for x in (str(label), note) if x),
            to_level=level,
        )
        title = _("110 dispute %(number)s handed to %(place)s for mediation by %(station)s") % {
            "number": d.number,
            "place": label,
            "station": d.police_station,
        }
        if d.in_station_room:
            _notify(d, selectors.station_staff(d.police_station), title, note, skip=actor)
        else:
            _notify_level(d, level, title, note)
    return _finish(dispute, d)


def dispute_station_confirm(*, dispute: Dispute, actor: User, at: datetime.datetime, note: str = "") -> Dispute:
    """The police station confirms the result a centre returned on a 110 dispute it handed over."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_station_confirm(actor, d))
        d.station_confirmed_at = at
        d.save()
        _event(d, Kind.STATION_CONFIRMED, actor, at, note=note)
    return _finish(dispute, d)


def dispute_divert(
    *,
    dispute: Dispute,
    actor: User,
    at: datetime.datetime,
    township: Area,
    village: Area | None = None,
    grid: Grid | None = None,
    note: str = "",
) -> Dispute:
    """District staff send an item received at district level (12345, 110, ...) down to a
    township, or a village, of their district."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_divert(actor, d))
        _require(
            township.level == Area.Level.TOWNSHIP and township.code.startswith(d.district.prefix),
            _("Choose a township of this district."),
        )
        if grid is not None:
            village = grid.village
        if village is not None:
            _require(
                village.level == Area.Level.VILLAGE and village.code.startswith(township.prefix),
                _("The village must belong to the chosen township."),
            )
        new_level = Level.VILLAGE if village is not None else Level.TOWNSHIP
        d.township, d.village, d.grid = township, village, grid
        d.level, d.registered_level, d.status, d.handler = new_level, new_level, Status.REGISTERED, None
        d.due_at = deadline_for(risk_level=d.risk_level, level=new_level, at=at)
        d.save()
        _event(d, Kind.DIVERTED, actor, at, note=note, from_level=Level.DISTRICT, to_level=new_level)
        police_queue_check(d, at=at, actor=actor)  # it may now have a village a station covers
        _notify_level(
            d,
            new_level,
            _("Dispute %(number)s was diverted to you by the district centre") % {"number": d.number},
            note,
        )
    return _finish(dispute, d)


# --- handling at a level --------------------------------------------------------------------


def dispute_accept(*, dispute: Dispute, actor: User, at: datetime.datetime, note: str = "") -> Dispute:
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_accept(actor, d))
        d.status = Status.ACCEPTED
        if d.handler_id is None and actor.role != Role.ADMINISTRATOR and not actor.is_superuser:
            d.handler = actor
        d.save()
        _event(d, Kind.ACCEPTED, actor, at, note=note)
    return _finish(dispute, d)


def dispute_assign_handler(*, dispute: Dispute, actor: User, at: datetime.datetime, handler: User) -> Dispute:
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_assign(actor, d))
        _require(
            selectors.handler_choices(d).filter(pk=handler.pk).exists(),
            _("%(person)s does not work at the level handling this dispute.") % {"person": handler.display_name},
        )
        # Assigning the handler again would only repeat the timeline entry and the notification.
        _require(
            d.handler_id != handler.pk,
            _("%(person)s is already the handler of this dispute; nothing changed.") % {"person": handler.display_name},
        )
        d.handler = handler
        d.save()
        _event(d, Kind.HANDLER_ASSIGNED, actor, at, note=handler.display_name)
        if handler != actor:
            _notify(d, [handler], _("You are the handler of dispute %(number)s") % {"number": d.number})
    return _finish(dispute, d)


def _accepted(upload: UploadedFile) -> UploadedFile:
    """The file to store for ``upload`` (an image re-encoded), checked again here because
    the service may be called without the form; the form's copy is not re-encoded twice."""
    try:
        return validate_upload(upload)
    except ValidationError as e:
        raise DisputeError(e.messages[0]) from None


def _attach(d: Dispute, actor: User, kind: str, upload: UploadedFile) -> Attachment:
    return Attachment.objects.create(
        dispute=d,
        kind=kind,
        file=upload,
        original_name=upload.name[:200],
        content_type=upload.content_type,
        reencoded=uploads.is_reencoded(upload),
        size=upload.size,
        uploaded_by=actor,
    )


def dispute_record_mediation(
    *,
    dispute: Dispute,
    actor: User,
    at: datetime.datetime,
    held_on: datetime.date,
    method: str,
    mediator_kinds: list[str],
    mediators: str,
    outcome: str,
    notes: str = "",
    agreement: UploadedFile | None = None,
) -> MediationRecord:
    """A mediation session. Police record police-mediation linkage; the level's staff (and
    at village level the grid worker) record any method."""
    agreement = _accepted(agreement) if agreement else None  # decoded before the row is locked
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_record_mediation(actor, d))
        _require(
            method == MediationRecord.Method.POLICE_LINKAGE or not rules.police_linkage_only(actor, d),
            _("Police record mediation as police-mediation linkage."),
        )
        _require(held_on <= local_date(at), _("The mediation date cannot be in the future."))
        _require(held_on >= d.occurred_on, _("The mediation date cannot be before the dispute arose."))
        file = _attach(d, actor, Attachment.Kind.AGREEMENT, agreement) if agreement else None
        record = MediationRecord.objects.create(
            dispute=d,
            held_on=held_on,
            method=method,
            mediator_kinds=list(mediator_kinds),
            mediators=mediators,
            outcome=outcome,
            notes=notes,
            agreement=file,
            recorded_by=actor,
        )
        d.status = Status.IN_MEDIATION
        d.save()
        _event(d, Kind.MEDIATION, actor, at, note=f"{record.get_method_display()} · {record.get_outcome_display()}")
    _finish(dispute, d)
    return record


def dispute_escalate(
    *,
    dispute: Dispute,
    actor: User | None,
    reason: str,
    at: datetime.datetime,
    department: Department | None = None,
    target: str | None = None,
) -> Dispute:
    """Move the dispute one level up: village -> township -> district; from the district,
    assign it (交办) to a functional department, which returns its result to the district.

    ``actor`` is None for the automatic overdue sweep. From district level a department
    must be named (the district assigns the case to it). ``target`` = district from the
    village: the village centre passes an urgent case straight to the district
    (``rules.can_pass_to_district``); the skipped township is told.

    1. Check the step on a fresh copy of the row (the automatic sweep only acts on a
       case that is overdue now).
    2. Write with a conditional UPDATE on (level, due_at) as the caller read them: if
       another worker or clerk moved the case meanwhile, nothing is written and
       DisputeError says so, so the sweep can never escalate a case twice for the
       same deadline.
    3. Timeline event and notifications of both levels in the same transaction.
    """
    expected_level, expected_due = dispute.level, dispute.due_at  # as the caller read them
    with transaction.atomic():
        d = Dispute.objects.get(pk=dispute.pk)
        skipped = target is not None  # only the district is ever named: straight from the village
        if skipped:
            _require(actor is not None and target == Level.DISTRICT, _("Only the district can be reached directly."))
            _require(rules.can_pass_to_district(actor, d))
        elif actor is not None:
            _require(rules.can_escalate(actor, d))
        else:
            _require(rules.is_open(d))
            _require(d.is_overdue(at), _("This dispute is not overdue."))
            _require(rules.can_move_up(d))
        target = target or d.next_level()
        if target == Level.DEPARTMENT:
            _require(department is not None, _("Choose the functional department that will handle it."))
            _require(
                department.district_id == d.district_id and department.is_active and not department.is_unit,
                _("Choose an active department of this district."),
            )
        from_level = _move(d, expected_level, expected_due, target, department, at)
        note = reason if actor is not None else _("Overdue: escalated automatically. %(reason)s") % {"reason": reason}
        _event(d, Kind.ESCALATED, actor, at, note=note, from_level=from_level, to_level=target)
        if target == Level.DEPARTMENT:  # the district assigns (交办); it does not report up
            title = _("Dispute %(number)s assigned to %(department)s by the district centre") % {
                "number": d.number,
                "department": d.department,
            }
        else:
            title = _("Dispute %(number)s escalated to %(level)s") % {
                "number": d.number,
                "level": d.get_level_display(),
            }
        _notify_level(d, target, title, note)
        _notify_level(d, from_level, title, note, extra=[dispute.handler] if dispute.handler_id else ())
        if skipped:
            _notify_level(
                d,
                Level.TOWNSHIP,
                _("Urgent dispute %(number)s passed straight from the village to the district") % {"number": d.number},
                note,
            )
    return _finish(dispute, d)


def _move(
    d: Dispute, expected_level: str, expected_due, target: str, unit: Department | None, at: datetime.datetime
) -> str:
    """Move the fresh copy ``d`` to ``target`` (naming ``unit`` when the target is a level a
    case is assigned to: a department, a township station or institute) with a conditional
    UPDATE on the level and deadline the caller read, and return the level it left."""
    new_due = deadline_for(risk_level=d.risk_level, level=target, at=at)
    moved = Dispute.objects.filter(pk=d.pk, level=expected_level, due_at=expected_due, status=d.status).update(
        level=target,
        due_at=new_due,
        escalated_at=at,
        status=Status.REGISTERED,
        handler=None,
        department=unit if target in ASSIGNED_LEVELS else d.department,
        updated_at=at,
    )
    if moved != 1:
        raise DisputeError(_("Someone else changed this dispute meanwhile; reload it."))
    send_rows_updated(Dispute, [d.pk], ("level", "due_at", "escalated_at", "status", "handler", "department"))
    from_level = d.level
    d.refresh_from_db()
    return from_level


def disputes_escalate_overdue(*, disputes: list[Dispute], at: datetime.datetime) -> int:
    """The overdue sweep's ``dispute_escalate`` (no actor) for a batch of cases at once, in a
    constant number of queries whatever the batch's size; returns how many moved.

    The batch's rows are locked and read again: a case still open, overdue and movable by
    the sweep by itself (``Dispute.escalates_automatically``; not in a group of linked
    cases, whose steps also apply to the merged ones: the caller gives those to
    ``dispute_escalate``) moves one level up with the deadline, timeline event and
    notifications ``dispute_escalate`` gives it. One UPDATE per (level, risk level), one
    INSERT of the events and one of the notifications. A case that changed since the
    sweep read it is left alone (the caller counts it as skipped), so under two workers
    each case moves once per deadline: the second worker's lock waits for the first's
    commit and then reads the case as no longer overdue.
    """
    ids = [d.pk for d in disputes]
    with transaction.atomic():
        fresh = Dispute.objects.select_for_update(of=("self",)).select_related("handler").filter(pk__in=ids)
        movable = [
            d
            for d in fresh.overdue(at).order_by("pk")
            if d.link_group_id is None and d.escalates_automatically() and rules.can_move_up(d)
        ]
        if not movable:
            return 0
        groups: dict[tuple[str, str], list[Dispute]] = {}
        for d in movable:
            groups.setdefault((d.level, d.risk_level), []).append(d)
        left: dict[int, tuple[str, User | None]] = {}  # the level each case left, and its handler there
        for (level, risk_level), group in groups.items():
            target = group[0].next_level()
            pks = [d.pk for d in group]
            changes = {
                "level": target,
                "due_at": deadline_for(risk_level=risk_level, level=target, at=at),
                "escalated_at": at,
                "status": Status.REGISTERED,
                "handler": None,
            }
            Dispute.objects.filter(pk__in=pks, level=level).update(**changes, updated_at=at)
            send_rows_updated(Dispute, pks, (*changes, "department"))
            for d in group:
                left[d.pk] = (level, d.handler)
                for name, value in changes.items():
                    setattr(d, name, value)
        note = _("Overdue: escalated automatically. %(reason)s") % {"reason": ""}
        DisputeEvent.objects.bulk_create(
            [
                DisputeEvent.build(d, Kind.ESCALATED, None, at, note=note, from_level=left[d.pk][0], to_level=d.level)
                for d in movable
            ]
        )
        parties: dict[int, list[tuple[str, str]]] = {}
        for dispute_id, role, name in (
            Party.objects.filter(dispute__in=movable).order_by("pk").values_list("dispute_id", "role", "name")
        ):
            parties.setdefault(dispute_id, []).append((role, name))
        staff = level_staff_of_many([(d, level) for d in movable for level in (d.level, left[d.pk][0])])
        messages = []
        for d in movable:
            from_level, handler = left[d.pk]
            title = _("Dispute %(number)s escalated to %(level)s") % {
                "number": d.notice_name(parties.get(d.pk, ())),
                "level": d.get_level_display(),
            }
            url = d.get_absolute_url()
            messages.append(Message(staff.get(level_place(d, d.level), []), title, note, url))
            messages.append(Message([*staff.get(level_place(d, from_level), []), handler], title, note, url))
        notifications_send(messages)
    return len(movable)


def dispute_assign_unit(
    *, dispute: Dispute, actor: User, at: datetime.datetime, unit: Department, note: str
) -> Dispute:
    """The township centre assigns (交办) the case to one of its stations and institutes
    (站所, seed 003 step 3). The unit's staff accept, mediate and return the result to the
    township, which confirms or rejects it, as the district does with a department.
    Conditional on the level and deadline the caller read, like ``dispute_escalate``."""
    expected_level, expected_due = dispute.level, dispute.due_at  # as the caller read them
    with transaction.atomic():
        d = Dispute.objects.get(pk=dispute.pk)
        _require(rules.can_assign_unit(actor, d))
        _require(
            unit is not None and unit.township_id == d.township_id and unit.is_active,
            _("Choose an active station or institute of this township."),
        )
        _require(bool(note.strip()), _("Say what the station or institute is to do."))
        from_level = _move(d, expected_level, expected_due, Level.TOWNSHIP_UNIT, unit, at)
        # The unit is named on the timeline: a later assignment replaces it on the case.
        _event(
            d,
            Kind.ESCALATED,
            actor,
            at,
            note=f"{unit.name} · {note}",
            from_level=from_level,
            to_level=Level.TOWNSHIP_UNIT,
        )
        title = _("Dispute %(number)s assigned to %(unit)s by the township centre") % {
            "number": d.number,
            "unit": unit,
        }
        _notify_level(d, Level.TOWNSHIP_UNIT, title, note)
        _notify_level(d, from_level, title, note, extra=[dispute.handler] if dispute.handler_id else ())
    return _finish(dispute, d)


def dispute_supervise(*, dispute: Dispute, at: datetime.datetime, actor: User | None = None, note: str = "") -> Dispute:
    """Mark an overdue case that cannot move up by itself as supervised (督办) by the district
    centre: at department level, at district level with no department named yet, or while a
    returned result waits for confirmation (see Dispute.escalates_automatically).

    Conditional on the deadline as read, so that it happens once per deadline; the
    deadline is renewed from the policy so that supervision repeats if it stays overdue.
    """
    expected_due = dispute.due_at  # as the caller read it
    with transaction.atomic():
        d = Dispute.objects.get(pk=dispute.pk)
        _require(rules.is_open(d))
        _require(
            not d.escalates_automatically(), _("This case can still move up a level; it is escalated, not supervised.")
        )
        _require(d.is_overdue(at), _("This dispute is not overdue."))
        new_due = deadline_for(risk_level=d.risk_level, level=d.level, at=at)
        moved = Dispute.objects.filter(pk=d.pk, level=d.level, due_at=expected_due).update(
            supervised_at=at, due_at=new_due, updated_at=at
        )
        if moved != 1:
            raise DisputeError(_("Someone else changed this dispute meanwhile; reload it."))
        send_rows_updated(Dispute, [d.pk], ("supervised_at", "due_at"))
        d.refresh_from_db()
        note = note or _("Overdue at %(level)s.") % {"level": d.get_level_display()}
        SUPERVISION.placed_by_sweep(d, at=at, due_at=new_due, note=note)
        _event(d, Kind.SUPERVISED, actor, at, note=note)
        title = _("Dispute %(number)s is overdue and under supervision") % {"number": d.number}
        _notify_level(d, Level.DISTRICT, title)
        if d.level != Level.DISTRICT:
            _notify_level(d, d.level, title, extra=[level_handler(d)])
        if d.level in BRANCHES:  # a township unit's township, which assigned it there
            _notify_level(d, BRANCHES[d.level], title)
    return _finish(dispute, d)


# Supervision by the higher level (挂牌督办): the kernel's steps, on the dispute's timeline.
SUPERVISION = Supervised(
    model=Dispute,
    event_model=DisputeEvent,
    error=DisputeError,
    started_kind=Kind.SUPERVISED,
    lifted_kind=Kind.SUPERVISION_LIFTED,
    label=lambda d: _("Dispute %(number)s") % {"number": d.number},
    queryset=lambda: Dispute.objects.select_related("handler", "department"),
    lift_rule=rules.can_lift_supervision,
    start_rule=rules.can_supervise,
)


URGENCY = Urgency(
    model=Dispute,
    event_model=DisputeEvent,
    error=DisputeError,
    marked_kind=Kind.MARKED_URGENT,
    rule=rules.can_mark_urgent,
    open_q=Q(status__in=Dispute.OPEN_STATUSES),
    label=lambda d: _("Dispute %(number)s: %(summary)s") % {"number": d.number, "summary": d.summary},
)


def dispute_mark_urgent(
    *, dispute: Dispute, actor: User, at: datetime.datetime, urgent_reason: str, note: str = ""
) -> Dispute:
    """Mark an open case urgent (紧急) and alert every level and its police (``govcenter.urgent``)."""
    return URGENCY.mark(item=dispute, actor=actor, at=at, urgent_reason=urgent_reason, note=note)


def dispute_pass_to_district(*, dispute: Dispute, actor: User, at: datetime.datetime, note: str) -> Dispute:
    """The village centre passes an urgent case straight to the district (``dispute_escalate``)."""
    return dispute_escalate(dispute=dispute, actor=actor, reason=note, at=at, target=Level.DISTRICT)


def dispute_supervise_by(*, dispute: Dispute, actor: User, at: datetime.datetime, due_on: datetime.date, note: str):
    """District staff (or township staff for their villages) put a case under supervision."""
    return SUPERVISION.start(item=dispute, actor=actor, at=at, due_on=due_on, note=note)


def dispute_lift_supervision(*, dispute: Dispute, actor: User, at: datetime.datetime, note: str) -> Dispute:
    """The supervising centre ends the supervision of a case; the level handling it is told."""
    return SUPERVISION.lift(item=dispute, actor=actor, at=at, note=note)


# --- results ----------------------------------------------------------------------------------


def _schedule_follow_ups(d: Dispute, at: datetime.datetime) -> None:
    FollowUp.objects.bulk_create([FollowUp(dispute=d, due_on=day) for day in follow_up_dates(at)])


def dispute_resolve(
    *, dispute: Dispute, actor: User, at: datetime.datetime, result: str, agreement: UploadedFile | None = None
) -> Dispute:
    agreement = _accepted(agreement) if agreement else None  # decoded before the row is locked
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_resolve(actor, d))
        _require(bool(result.strip()), _("Describe the result."))
        if agreement:
            _attach(d, actor, Attachment.Kind.AGREEMENT, agreement)
        d.status, d.result, d.resolved_at = Status.RESOLVED, result, at
        feedback.result_return(d, level=d.level, at=at)
        d.save()
        _schedule_follow_ups(d, at)
        _event(d, Kind.RESOLVED, actor, at, note=result)
        _notify_result_returned(d, actor, result)
        _result_to_station(d, result)
    return _finish(dispute, d)


def _notify_result_returned(d: Dispute, actor: User, result: str) -> None:
    """The result travels down from the level it now stands at (``govcenter.feedback``)."""
    feedback.notify_result_returned(
        d,
        below=d.level,
        actor=actor,
        title=_("Result of dispute %(number)s returned: resolved at the %(level)s")
        % {"number": d.number, "level": Level(d.result_level).label},
        body=result,
    )


def dispute_close_unresolved(
    *,
    dispute: Dispute,
    actor: User,
    at: datetime.datetime,
    result: str,
    referral: str,
    court: str = "",
    referred_on: datetime.date | None = None,
) -> Dispute:
    """Close the case as not resolved, saying where the parties were referred. A referral to
    litigation names the court and the date (诉调对接): the level records the court's
    outcome later (``dispute_record_court_outcome``) and is reminded if it does not."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_close_unresolved(actor, d))
        _require(referral in Dispute.Referral.values, _("Choose where the parties were referred."))
        _require(bool(result.strip()), _("Describe why it could not be resolved."))
        litigation = referral == Dispute.Referral.LITIGATION
        if litigation:
            court = court.strip()
            _require(bool(court), _("Name the court the parties were referred to."), field="court")
            _require(referred_on is not None, _("Give the date of the referral to court."), field="referred_on")
            _require(
                referred_on <= local_date(at), _("The referral date cannot be in the future."), field="referred_on"
            )
            _require(
                referred_on >= d.occurred_on,
                _("The referral date cannot be before the dispute arose."),
                field="referred_on",
            )
        d.status, d.result, d.referral, d.resolved_at = Status.NOT_RESOLVED, result, referral, at
        d.save()
        note = f"{d.get_referral_display()}: {result}"
        if litigation:
            CourtReferral.objects.create(dispute=d, court=court, referred_on=referred_on)
            note = f"{d.get_referral_display()} · {court} · {referred_on.isoformat()}: {result}"
        _event(d, Kind.NOT_RESOLVED, actor, at, note=note)
        _result_to_station(d, note)
    return _finish(dispute, d)


def dispute_record_court_outcome(
    *, dispute: Dispute, actor: User, at: datetime.datetime, outcome: str, decided_on: datetime.date, note: str = ""
) -> CourtReferral:
    """The handling level records what the court made of a referred case (judgement, court
    mediation, withdrawn) and when; the reminder stops."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_record_court_outcome(actor, d))
        referral = CourtReferral.objects.select_for_update().get(dispute=d)
        _require(referral.is_open, _("The court's outcome has already been recorded."))
        _require(outcome in CourtReferral.Outcome.values, _("Choose the court's outcome."), field="outcome")
        _require(decided_on <= local_date(at), _("The date cannot be in the future."), field="decided_on")
        _require(
            decided_on >= referral.referred_on,
            _("The court's outcome cannot be before the referral (%(day)s).")
            % {"day": referral.referred_on.isoformat()},
            field="decided_on",
        )
        referral.outcome, referral.decided_on, referral.outcome_note = outcome, decided_on, note
        referral.outcome_recorded_at = at
        referral.save()
        label = referral.get_outcome_display()
        _event(d, Kind.COURT_OUTCOME, actor, at, note=f"{referral.court} · {label} · {decided_on.isoformat()} {note}")
    _finish(dispute, d)
    return referral


def dispute_transfer_to_police(
    *, dispute: Dispute, actor: User, at: datetime.datetime, station, reason: str
) -> PoliceTransfer:
    """The level handling an open case that turned criminal transfers it to the police
    station covering its village (移送公安机关): the mediation side closes with that outcome
    (neither resolved nor not resolved) and the station's staff are told."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_transfer_to_police(actor, d))
        _require(bool(reason.strip()), _("Say why the dispute goes to the police."), field="reason")
        _require(
            covering_stations(d).filter(pk=station.pk).exists(),
            _("Choose a police station covering the dispute's village."),
            field="station",
        )
        transfer = PoliceTransfer.objects.create(
            dispute=d, station=station, reason=reason, from_level=d.level, transferred_by=actor, transferred_at=at
        )
        d.status, d.result, d.resolved_at = Status.TRANSFERRED_TO_POLICE, reason, at
        d.save()
        _event(d, Kind.POLICE_TRANSFER, actor, at, note=f"{station}: {reason}")
        _notify(
            d,
            station_staff(station),
            _("Dispute %(number)s was transferred to your station by the %(level)s centre")
            % {"number": d.number, "level": d.get_level_display()},
            reason,
        )
    _finish(dispute, d)
    return transfer


def dispute_acknowledge_transfer(
    *, dispute: Dispute, actor: User, at: datetime.datetime, case_number: str, case_registered_on: datetime.date
) -> PoliceTransfer:
    """The station's staff acknowledge a transfer with their own case number (受案/立案编号)
    and its date; the centre that transferred it is told."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_acknowledge_transfer(actor, d))
        transfer = PoliceTransfer.objects.select_for_update().get(dispute=d)
        _require(not transfer.is_acknowledged, _("The station has already recorded its case number."))
        case_number = case_number.strip()
        _require(bool(case_number), _("Give the station's case number."), field="case_number")
        _require(
            case_registered_on <= local_date(at), _("The date cannot be in the future."), field="case_registered_on"
        )
        _require(
            case_registered_on >= local_date(transfer.transferred_at),
            _("The case cannot be registered before the transfer (%(day)s).")
            % {"day": local_date(transfer.transferred_at).isoformat()},
            field="case_registered_on",
        )
        transfer.case_number, transfer.case_registered_on = case_number, case_registered_on
        transfer.acknowledged_by, transfer.acknowledged_at = actor, at
        transfer.save()
        _event(d, Kind.POLICE_ACKNOWLEDGED, actor, at, note=f"{case_number} · {case_registered_on.isoformat()}")
        _notify_level(
            d,
            transfer.from_level,
            _("%(station)s registered dispute %(number)s as case %(case)s")
            % {"station": transfer.station, "number": d.number, "case": case_number},
        )
    _finish(dispute, d)
    return transfer


def dispute_return_feedback(*, dispute: Dispute, actor: User, at: datetime.datetime, result: str) -> Dispute:
    """Send the handling result down to the level that sent the case up, for it to confirm."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_return_feedback(actor, d))
        sender = d.previous_level()
        _require(bool(result.strip()), _("Describe the result."))
        from_level = move_to_level(d, sender)
        d.status, d.result = Status.AWAITING_CONFIRMATION, result
        d.due_at = deadline_for(risk_level=d.risk_level, level=sender, at=at)
        d.save()
        _event(d, Kind.FEEDBACK_RETURNED, actor, at, note=result, from_level=from_level, to_level=sender)
        _notify_level(
            d, sender, _("Result of dispute %(number)s returned for your confirmation") % {"number": d.number}, result
        )
    return _finish(dispute, d)


def dispute_confirm_feedback(*, dispute: Dispute, actor: User, at: datetime.datetime, note: str = "") -> Dispute:
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_confirm_feedback(actor, d))
        d.status, d.resolved_at = Status.RESOLVED, at
        feedback.result_return(d, level=_returned_by(d), at=at)
        d.save()
        _schedule_follow_ups(d, at)
        _event(d, Kind.FEEDBACK_CONFIRMED, actor, at, note=note)
        _notify_result_returned(d, actor, d.result)
        _result_to_station(d, d.result)
    return _finish(dispute, d)


def _returned_by(d: Dispute) -> str:
    """The level whose result ``d`` awaits confirmation of: the one that returned it down."""
    returned = d.events.filter(kind=Kind.FEEDBACK_RETURNED).order_by("-at", "-pk").first()
    return returned.from_level if returned is not None and returned.from_level else d.next_level()


def dispute_reject_feedback(*, dispute: Dispute, actor: User, at: datetime.datetime, reason: str) -> Dispute:
    """The returned result does not settle the matter: the case goes back up to the level that returned it."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_reject_feedback(actor, d))
        _require(bool(reason.strip()), _("Say why the result does not settle the dispute."))
        target = _returned_by(d)  # the department or township unit that returned it, or the level above
        from_level = move_to_level(d, target)
        d.status = Status.ACCEPTED
        d.due_at = deadline_for(risk_level=d.risk_level, level=target, at=at)
        d.save()
        _event(d, Kind.FEEDBACK_REJECTED, actor, at, note=reason, from_level=from_level, to_level=target)
        _notify_level(d, target, _("The result of dispute %(number)s was not accepted") % {"number": d.number}, reason)
    return _finish(dispute, d)


# --- after resolution --------------------------------------------------------------------------


def dispute_tell_parties(
    *, dispute: Dispute, actor: User, at: datetime.datetime, how: str, satisfaction: str, note: str = ""
) -> Dispute:
    """The origin records that the parties were told the returned result, and their
    satisfaction. Unsatisfied: the case goes back to the level whose result it was, for
    review (accepted there again, its pending follow-up visits cancelled); when that level
    resolves it again, the result comes back down again (``govcenter.feedback``)."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_tell_parties(actor, d))
        unsatisfied = feedback.record_parties_told(
            d, actor=actor, at=at, how=how, satisfaction=satisfaction, error=DisputeError
        )
        told = feedback.told_note(d, note)
        if not unsatisfied:
            d.save()
            _event(d, Kind.PARTIES_TOLD, actor, at, note=told)
            return _finish(dispute, d)
        from_level = move_to_level(d, d.result_level or d.level)
        d.status, d.resolved_at = Status.ACCEPTED, None
        d.due_at = deadline_for(risk_level=d.risk_level, level=d.level, at=at)
        d.save()
        FollowUp.objects.filter(dispute=d, visited_on__isnull=True, cancelled=False).update(cancelled=True)
        _event(d, Kind.PARTIES_UNSATISFIED, actor, at, note=told, from_level=from_level, to_level=d.level)
        _notify_level(
            d,
            d.level,
            _("The parties are unsatisfied with the result of dispute %(number)s: review it") % {"number": d.number},
            told,
            extra=[level_handler(d)],
        )
    return _finish(dispute, d)


def dispute_record_follow_up(
    *,
    dispute: Dispute,
    follow_up: FollowUp,
    actor: User,
    at: datetime.datetime,
    visited_on: datetime.date,
    finding: str,
    notes: str = "",
) -> Dispute:
    """Record a follow-up visit. Stable on the last one archives the case; flared up reopens it."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_record_follow_up(actor, d))
        fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk, dispute=d)
        _require(fu.is_pending, _("This follow-up visit has already been recorded."))
        _require(visited_on <= local_date(at), _("The visit date cannot be in the future."))
        _require(
            d.resolved_at is None or visited_on >= local_date(d.resolved_at),
            _("The visit date cannot be before the dispute was resolved."),
        )
        _require(finding in FollowUp.Finding.values, _("Choose what the visit found."))
        fu.visited_on, fu.finding, fu.notes, fu.visited_by = visited_on, finding, notes, actor
        fu.save()
        _event(d, Kind.FOLLOW_UP, actor, at, note=f"{fu.get_finding_display()} {notes}".strip())
        if finding == FollowUp.Finding.FLARED:
            FollowUp.objects.filter(dispute=d, visited_on__isnull=True, cancelled=False).update(cancelled=True)
            d.status, d.resolved_at = Status.ACCEPTED, None
            d.due_at = deadline_for(risk_level=d.risk_level, level=d.level, at=at)
            d.save()
            _event(d, Kind.REOPENED, actor, at, note=notes)
            _notify_level(
                d, d.level, _("Dispute %(number)s flared up again and is reopened") % {"number": d.number}, notes
            )
        elif not FollowUp.objects.filter(dispute=d, visited_on__isnull=True, cancelled=False).exists():
            d.status, d.archived_at = Status.ARCHIVED, at
            d.save()
            _event(d, Kind.ARCHIVED, actor, at)
    return _finish(dispute, d)


# --- police and attachments ------------------------------------------------------------------


def police_queue_check(
    d: Dispute, *, at: datetime.datetime, actor: User | None = None, skip: User | None = None
) -> bool:
    """Put ``d`` in the police review queue (待公安研判) if it needs a police opinion and has
    never been there, in the caller's transaction: one timeline event and one notification
    to the police of its place. Every step that sets a flag, the risk level or the category
    calls it. True if the case entered the queue now."""
    reasons = d.police_review_reasons()
    # A place no police station covers has nobody to judge it (it would only ever be overdue).
    if not reasons or d.police_review or not d.village_id or not police_of(d).exists():
        return False
    if not queue_enter(d, due_at=police_review_deadline(subject=PoliceReviewPolicy.Subject.DISPUTE, at=at)):
        return False
    why = "、".join(reasons)
    _event(d, Kind.POLICE_QUEUED, actor, at, note=why)
    _notify(
        d,
        police_of(d),
        _("Dispute %(number)s awaits your police review (%(reasons)s)") % {"number": d.number, "reasons": why},
        d.summary,
        skip=skip,  # an officer who registered it knows
    )
    return True


def dispute_add_police_review(
    *,
    dispute: Dispute,
    actor: User,
    at: datetime.datetime,
    verdict: str,
    opinion: str,
    flags_criminal_risk: bool = False,
    flags_mass_incident: bool = False,
) -> PoliceReview:
    """The police opinion (研判意见): a verdict and its reasons. Police do not change the
    handling level; they may flag a risk of the dispute turning criminal (民转刑) or of a
    mass incident, which raises the flag on the case and tells the centre handling it. A
    case in the review queue leaves it."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_add_police_review(actor, d))
        _require(verdict in Verdict.values, _("Choose the verdict."), field="verdict")
        _require(bool(opinion.strip()), _("Write the opinion."), field="opinion")
        review = PoliceReview.objects.create(
            dispute=d,
            author=actor,
            verdict=verdict,
            opinion=opinion,
            flags_criminal_risk=flags_criminal_risk,
            flags_mass_incident=flags_mass_incident,
        )
        raised = []
        if flags_criminal_risk and not d.risk_criminal:
            d.risk_criminal = True
            raised.append(str(_("risk of turning criminal")))
        if flags_mass_incident and not d.risk_mass_incident:
            d.risk_mass_incident = True
            raised.append(str(_("risk of a mass incident")))
        if raised:
            d.save(update_fields=["risk_criminal", "risk_mass_incident", "updated_at"])
            _notify_level(
                d,
                d.level,
                _("Police flag dispute %(number)s: %(flags)s") % {"number": d.number, "flags": "、".join(raised)},
                opinion,
            )
        queue_leave(d, verdict=verdict)
        _event(d, Kind.POLICE_REVIEW, actor, at, note=f"{Verdict(verdict).label}: {opinion}")
    _finish(dispute, d)
    return review


def dispute_supervise_police_review(*, dispute: Dispute, at: datetime.datetime) -> Dispute:
    """The police opinion on a queued case is overdue: place it under supervision (督办),
    once per deadline (the overdue sweep, ``govcenter.police.supervise_overdue``), and
    renew the deadline from the policy; the police and the district centre are told."""
    expected_due = dispute.police_review_due_at  # as the sweep read it
    with transaction.atomic():
        d = Dispute.objects.get(pk=dispute.pk)
        _require(d.police_review_overdue(at), _("The police opinion on this dispute is not overdue."))
        new_due = police_review_deadline(subject=PoliceReviewPolicy.Subject.DISPUTE, at=at)
        if not queue_supervise(d, at=at, expected_due=expected_due, new_due=new_due):
            raise DisputeError(_("Someone else changed this dispute meanwhile; reload it."))
        _event(d, Kind.POLICE_SUPERVISED, None, at)
        title = _("The police opinion on dispute %(number)s is overdue and under supervision") % {"number": d.number}
        _notify(d, [*police_of(d), *selectors.level_people(d, Level.DISTRICT)], title, d.summary)
    return _finish(dispute, d)


def dispute_add_attachment(
    *, dispute: Dispute, actor: User, at: datetime.datetime, kind: str, upload: UploadedFile
) -> Attachment:
    upload = _accepted(upload)  # decoded before the row is locked
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_attach(actor, d))
        attachment = _attach(d, actor, kind, upload)
        _event(d, Kind.ATTACHMENT, actor, at, note=f"{attachment.get_kind_display()}: {attachment.original_name}")
    return attachment


# --- linked cases (关联) and merged cases (并案) ------------------------------------------------


def _numbers(disputes) -> str:
    return "、".join(d.number for d in sorted(disputes, key=lambda d: d.number))


def _with_note(text: str, note: str) -> str:
    note = note.strip()
    return f"{text} · {note}" if note else text


def _locked_all(pks) -> list[Dispute]:
    """The rows of ``pks``, locked in primary-key order (two linkers never deadlock)."""
    return list(Dispute.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk"))


def disputes_link(
    *, disputes: list[Dispute], actor: User, note: str = "", at: datetime.datetime | None = None
) -> DisputeLinkGroup:
    """Link two or more related disputes (关联) into one group, which each of them shows.

    1. The cases named and every member of any group one of them is in are locked, in
       primary-key order; each case named must be linkable by ``actor`` (``rules.can_link``).
    2. The groups met are joined into the oldest one (linking A-B then B-C gives one group
       A-B-C); a new group is made if none of them is linked yet. Emptied groups are deleted.
    3. Every member whose linked cases grew gets a "linked" event naming the new ones.
    """
    at = at or timezone.now()
    pks = {d.pk for d in disputes}
    _require(len(pks) >= 2, _("Choose at least two disputes to link."))
    with transaction.atomic():
        named = _locked_all(pks)
        _require(len(named) == len(pks), _("One of the disputes no longer exists."))
        for d in named:
            _require(rules.can_link(actor, d))
        group_ids = {d.link_group_id for d in named if d.link_group_id is not None}
        _require(
            not (len(group_ids) == 1 and all(d.link_group_id is not None for d in named)),
            _("These disputes are already linked."),
        )
        members = _locked_all({*pks, *Dispute.objects.filter(link_group__in=group_ids).values_list("pk", flat=True)})
        before = {
            m.pk: {x.pk for x in members if m.link_group_id is not None and x.link_group_id == m.link_group_id}
            for m in members
        }
        if group_ids:
            group = DisputeLinkGroup.objects.get(pk=min(group_ids))
        else:
            group = DisputeLinkGroup.objects.create(created_by=actor, created_at=at)
        Dispute.objects.filter(pk__in=[m.pk for m in members]).update(link_group=group, updated_at=at)
        DisputeLinkGroup.objects.filter(pk__in=group_ids - {group.pk}).delete()
        for m in members:
            m.link_group = group
            joined = [x for x in members if x.pk != m.pk and x.pk not in before[m.pk]]
            if joined:
                _record(m, Kind.LINKED, actor, at, note=_with_note(_numbers(joined), note))
    for d in disputes:  # the callers' objects, which they go on using
        d.link_group = group
    return group


def dispute_unlink(*, dispute: Dispute, actor: User, note: str = "", at: datetime.datetime | None = None) -> Dispute:
    """Take one case out of its group of linked cases; a group left with one case is dissolved.
    The case and the cases it leaves each get an "unlinked" event."""
    at = at or timezone.now()
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_unlink(actor, d))
        group_id = d.link_group_id
        others = _locked_all(
            Dispute.objects.filter(link_group_id=group_id).exclude(pk=d.pk).values_list("pk", flat=True)
        )
        d.link_group = None
        d.save(update_fields=["link_group", "updated_at"])
        _record(d, Kind.UNLINKED, actor, at, note=_with_note(_numbers(others), note))
        for other in others:
            _record(other, Kind.UNLINKED, actor, at, note=_with_note(d.number, note))
        if len(others) <= 1:
            Dispute.objects.filter(link_group_id=group_id).update(link_group=None, updated_at=at)
            DisputeLinkGroup.objects.filter(pk=group_id).delete()
    return _finish(dispute, d)


def disputes_merge(
    *, lead: Dispute, others: list[Dispute], actor: User, note: str = "", at: datetime.datetime | None = None
) -> Dispute:
    """Merge linked cases into a lead case (并案): from now on the lead's steps and result
    apply to them (``_event``), and they take no step of their own but "unmerge".

    Every case must be linked with the lead, open and at a level ``actor`` handles
    (``rules.can_merge``); a case merged into another is no lead, and a lead is not merged.
    Each merged case takes the lead's state now (its deadline is the lead's) and gets a
    "merged" event; the lead gets one naming them."""
    at = at or timezone.now()
    pks = {o.pk for o in others} - {lead.pk}
    _require(bool(pks), _("Choose the linked disputes to merge into this one."))
    with transaction.atomic():
        rows = {d.pk: d for d in _locked_all({lead.pk, *pks})}
        _require(len(rows) == len(pks) + 1, _("One of the disputes no longer exists."))
        head = rows[lead.pk]
        _require(rules.can_merge(actor, head))
        merged = [rows[pk] for pk in sorted(pks)]
        for d in merged:
            _require(
                d.link_group_id == head.link_group_id,
                _("%(number)s is not linked with this dispute; link it first.") % {"number": d.number},
            )
            _require(rules.can_merge(actor, d))
            _require(
                not rules.has_merged_cases(d),
                _("Other disputes are merged into %(number)s; unmerge them first.") % {"number": d.number},
            )
        state = {name: getattr(head, name) for name in MERGED_STATE}
        for d in merged:
            for name, value in state.items():
                setattr(d, name, value)
            d.merged_into, d.due_at = head, None
            d.save()
            _record(d, Kind.MERGED, actor, at, note=_with_note(head.number, note))
        _record(head, Kind.MERGED_LEAD, actor, at, note=_with_note(_numbers(merged), note))
    for other in others:  # the callers' objects, which they go on using
        other.refresh_from_db()
    return _finish(lead, head)


def dispute_unmerge(*, dispute: Dispute, actor: User, note: str = "", at: datetime.datetime | None = None) -> Dispute:
    """A merged case leaves its lead: it keeps its whole timeline and continues as its own
    case from the lead's current state (status, level, result and deadline)."""
    at = at or timezone.now()
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_unmerge(actor, d))
        head = _locked(d.merged_into)
        for name in MERGED_STATE:
            setattr(d, name, getattr(head, name))
        d.merged_into, d.due_at = None, head.due_at
        d.save()
        _record(d, Kind.UNMERGED, actor, at, note=_with_note(head.number, note))
        _record(head, Kind.UNMERGED, actor, at, note=_with_note(d.number, note))
    return _finish(dispute, d)
