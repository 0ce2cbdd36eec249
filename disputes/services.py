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
from django.utils.translation import gettext as _

from govcenter import uploads
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.levels import handler_choices, level_staff, local_date, local_zone
from govcenter.models import Area, Department, User
from govcenter.supervision import Supervised
from govcenter.timeline import WorkflowError, workflow_helpers
from grids.models import Grid, Resident

from . import rules
from .deadlines import deadline_for, follow_up_dates
from .files import validate_upload
from .models import (
    Attachment,
    Dispute,
    DisputeEvent,
    FollowUp,
    LedgerCounter,
    Level,
    MediationRecord,
    Party,
    PoliceReview,
)

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
_event, _notify, _locked, _require = workflow_helpers(DisputeEvent, DisputeError)


def _notify_level(dispute: Dispute, level: str, title: str, body: str = "", *, extra=()) -> None:
    _notify(dispute, [*level_staff(dispute, level), *extra], title, body)


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
    grid: Grid | None = None,
    village: Area | None = None,
    township: Area | None = None,
    location: str = "",
    source_reference: str = "",
) -> Dispute:
    """Register a dispute at the actor's own level.

    Grid workers register in the grids they serve, village clerks in their village,
    township staff in their township, district staff anywhere in their district (and
    may then divert it down). The place is completed upwards from what is given.
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
            status=Status.REGISTERED,
            level=level,
            registered_level=level,
            registered_by=actor,
            registered_at=at,
            due_at=deadline_for(risk_level=risk_level, level=level, at=at),
        )
        for p in parties:
            party = Party(
                dispute=dispute,
                role=p.role,
                kind=p.kind,
                name=p.name.strip(),
                phone=p.phone,
                address=p.address,
                resident=p.resident,
            )
            party.set_id_number(p.id_number if p.kind == Party.Kind.PERSON else "")
            party.save()
        dispute.search_text = dispute.build_search_text([p.name.strip() for p in parties])
        dispute.save(update_fields=["search_text"])
        _event(dispute, Kind.REGISTERED, actor, at, to_level=level)
        _notify_level(
            dispute, level, _("New dispute %(number)s: %(summary)s") % {"number": dispute.number, "summary": summary}
        )
    return dispute


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
            handler_choices(d).filter(pk=handler.pk).exists(),
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
    *, dispute: Dispute, actor: User | None, reason: str, at: datetime.datetime, department: Department | None = None
) -> Dispute:
    """Move the dispute one level up: village -> township -> district -> department.

    ``actor`` is None for the automatic overdue sweep. From district level a department
    must be named (the district assigns the case to it).

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
        if actor is not None:
            _require(rules.can_escalate(actor, d))
        else:
            _require(rules.is_open(d))
            _require(d.is_overdue(at), _("This dispute is not overdue."))
            _require(rules.can_move_up(d))
        target = d.next_level()
        if target == Level.DEPARTMENT:
            _require(department is not None, _("Choose the functional department that will handle it."))
            _require(
                department.district_id == d.district_id and department.is_active,
                _("Choose an active department of this district."),
            )
        new_due = deadline_for(risk_level=d.risk_level, level=target, at=at)
        moved = Dispute.objects.filter(pk=d.pk, level=expected_level, due_at=expected_due, status=d.status).update(
            level=target,
            due_at=new_due,
            escalated_at=at,
            status=Status.REGISTERED,
            handler=None,
            department=department if target == Level.DEPARTMENT else d.department,
            updated_at=at,
        )
        if moved != 1:
            raise DisputeError(_("Someone else changed this dispute meanwhile; reload it."))
        from_level = d.level
        d.refresh_from_db()
        note = reason if actor is not None else _("Overdue: escalated automatically. %(reason)s") % {"reason": reason}
        _event(d, Kind.ESCALATED, actor, at, note=note, from_level=from_level, to_level=target)
        title = _("Dispute %(number)s escalated to %(level)s") % {"number": d.number, "level": d.get_level_display()}
        _notify_level(d, target, title, note)
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
        d.refresh_from_db()
        note = note or _("Overdue at %(level)s.") % {"level": d.get_level_display()}
        SUPERVISION.placed_by_sweep(d, at=at, due_at=new_due, note=note)
        _event(d, Kind.SUPERVISED, actor, at, note=note)
        title = _("Dispute %(number)s is overdue and under supervision") % {"number": d.number}
        _notify_level(d, Level.DISTRICT, title)
        if d.level != Level.DISTRICT:
            _notify_level(d, d.level, title, extra=[d.handler] if d.handler_id else ())
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
)


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
        d.save()
        _schedule_follow_ups(d, at)
        _event(d, Kind.RESOLVED, actor, at, note=result)
        sender = d.previous_level()
        if sender:
            _notify_level(
                d,
                sender,
                _("Dispute %(number)s was resolved at %(level)s")
                % {"number": d.number, "level": d.get_level_display()},
                result,
            )
    return _finish(dispute, d)


def dispute_close_unresolved(
    *, dispute: Dispute, actor: User, at: datetime.datetime, result: str, referral: str
) -> Dispute:
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_close_unresolved(actor, d))
        _require(referral in Dispute.Referral.values, _("Choose where the parties were referred."))
        _require(bool(result.strip()), _("Describe why it could not be resolved."))
        d.status, d.result, d.referral, d.resolved_at = Status.NOT_RESOLVED, result, referral, at
        d.save()
        _event(d, Kind.NOT_RESOLVED, actor, at, note=f"{d.get_referral_display()}: {result}")
    return _finish(dispute, d)


def dispute_return_feedback(*, dispute: Dispute, actor: User, at: datetime.datetime, result: str) -> Dispute:
    """Send the handling result down to the level that sent the case up, for it to confirm."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_return_feedback(actor, d))
        sender = d.previous_level()
        _require(bool(result.strip()), _("Describe the result."))
        from_level = d.level
        d.level, d.status, d.result = sender, Status.AWAITING_CONFIRMATION, result
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
        d.save()
        _schedule_follow_ups(d, at)
        _event(d, Kind.FEEDBACK_CONFIRMED, actor, at, note=note)
    return _finish(dispute, d)


def dispute_reject_feedback(*, dispute: Dispute, actor: User, at: datetime.datetime, reason: str) -> Dispute:
    """The returned result does not settle the matter: the case goes back up to the level that returned it."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_reject_feedback(actor, d))
        _require(bool(reason.strip()), _("Say why the result does not settle the dispute."))
        from_level, target = d.level, d.next_level()
        d.level, d.status = target, Status.ACCEPTED
        d.due_at = deadline_for(risk_level=d.risk_level, level=target, at=at)
        d.save()
        _event(d, Kind.FEEDBACK_REJECTED, actor, at, note=reason, from_level=from_level, to_level=target)
        _notify_level(d, target, _("The result of dispute %(number)s was not accepted") % {"number": d.number}, reason)
    return _finish(dispute, d)


# --- after resolution --------------------------------------------------------------------------


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


def dispute_add_police_review(
    *, dispute: Dispute, actor: User, at: datetime.datetime, opinion: str, flags_criminal_risk: bool = False
) -> PoliceReview:
    """A police opinion. Police do not change the handling level; they may flag a risk of
    the dispute turning criminal (民转刑), which raises the flag on the case."""
    with transaction.atomic():
        d = _locked(dispute)
        _require(rules.can_add_police_review(actor, d))
        _require(bool(opinion.strip()), _("Write the opinion."))
        review = PoliceReview.objects.create(
            dispute=d, author=actor, opinion=opinion, flags_criminal_risk=flags_criminal_risk
        )
        if flags_criminal_risk and not d.risk_criminal:
            d.risk_criminal = True
            d.save(update_fields=["risk_criminal", "updated_at"])
            _notify_level(
                d,
                d.level,
                _("Police flag dispute %(number)s: risk of turning criminal") % {"number": d.number},
                opinion,
            )
        _event(d, Kind.POLICE_REVIEW, actor, at, note=opinion)
    _finish(dispute, d)
    return review


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
