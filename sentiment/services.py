"""Every step of a log's life is one function here: it checks who may take it, runs in a
transaction, writes one timeline event, and notifies the people concerned. Views, the
demo and other apps (publicity records its activities through ``log_file``) call these;
nothing else changes a log's state.

The reporting flow (DESIGN.md, "People's-sentiment log"; seed 003, three-level centres):

    filed with next step "report up"  -> NEW at the village centre
    village: handle here (IN_HAND, a cadre or grid worker)  | report up -> REPORTED_UP at the township
    township: handle here | report up -> REPORTED_UP at the district
    township: ... | assign one of its stations and institutes (站所; IN_HAND at unit level)
    district: handle here | assign a functional department (IN_HAND at department level)
    the handling level feeds the result back (FED_BACK): the grid worker and every level
    that reported it are notified and see it (``govcenter.feedback``, as for disputes);
    the village centre or the grid worker tells the parties and records their satisfaction;
    unsatisfied sends it back in the flow at the level that fed it back, for review.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from disputes.deadlines import police_review_deadline
from disputes.models import Dispute, Party, PoliceReviewPolicy
from disputes.services import DisputeError, PartyData, dispute_register
from govcenter import feedback
from govcenter.levels import (
    ASSIGNED_LEVELS,
    BRANCHES,
    handler_choices,
    level_handler,
    level_staff,
    local_date,
    move_to_level,
)
from govcenter.models import Area, Department, User
from govcenter.police import Verdict, police_of, queue_enter, queue_leave, queue_supervise
from govcenter.supervision import Supervised
from govcenter.sweep import ESCALATED, SUPERVISED, claim
from govcenter.timeline import WorkflowError, workflow_helpers
from govcenter.uploads import ReencodedImage, is_reencoded
from govcenter.urgent import Urgency
from grids.models import Grid, Resident
from grids.selectors import grid_workers_of, police_of_grids

from . import rules
from .models import (
    AgencyDeadlinePolicy,
    AgencyMatter,
    Level,
    Log,
    LogEvent,
    LogPhoto,
    LogPoliceReview,
    ReportDeadlinePolicy,
)
from .photos import MAX_PHOTOS, check_photo

Status = Log.Status
Kind = LogEvent.Kind
NextStep = Log.NextStep
Role = User.Role

# How far ahead of the server clock "when" may be (a phone whose clock runs fast).
CLOCK_TOLERANCE = datetime.timedelta(minutes=10)
# The filing form's suggested due day of an agency matter; a matter filed without one is due
# by the AgencyDeadlinePolicy of its type.
DEFAULT_AGENCY_DAYS = 7

# The ledger category a log's livelihood category most often becomes (prefilled; the
# person turning a log into a dispute may choose another).
DISPUTE_CATEGORY_OF = {
    Log.Category.FAMILY_PLANNING: Dispute.Category.MARRIAGE_FAMILY,
    Log.Category.SOCIAL_SECURITY: Dispute.Category.LABOUR_WAGES,
    Log.Category.UNEMPLOYMENT: Dispute.Category.LABOUR_WAGES,
    Log.Category.PRODUCTION_SAFETY: Dispute.Category.LABOUR_WAGES,
    Log.Category.DISPUTE: Dispute.Category.NEIGHBOURHOOD,
}
# The agency matter type a log's category suggests.
AGENCY_TYPE_OF = {
    Log.Category.SUBSISTENCE: AgencyMatter.Type.SUBSISTENCE,
    Log.Category.SOCIAL_SECURITY: AgencyMatter.Type.SOCIAL_SECURITY,
    Log.Category.HARDSHIP: AgencyMatter.Type.HARDSHIP,
    Log.Category.UNEMPLOYMENT: AgencyMatter.Type.UNEMPLOYMENT,
    Log.Category.PREFERENTIAL: AgencyMatter.Type.PREFERENTIAL,
    Log.Category.FAMILY_PLANNING: AgencyMatter.Type.FAMILY_PLANNING,
}


def dispute_category_for(log: Log) -> str:
    return DISPUTE_CATEGORY_OF.get(log.category, Dispute.Category.OTHER)


def agency_type_for(category: str) -> str:
    return AGENCY_TYPE_OF.get(category, AgencyMatter.Type.OTHER)


class LogError(WorkflowError):
    """A step that is not allowed, or input that cannot be accepted; the message is shown to
    the user and nothing changed. ``field`` names the form field it is about, if any."""


class LogAlreadyFiled(LogError):
    """The same draft was submitted before (same client token): ``log`` is the one filed then."""

    def __init__(self, log: Log):
        super().__init__(_("This log was already filed."))
        self.log = log


# --- helpers ---------------------------------------------------------------------------


# The kernel's service helpers (govcenter.timeline), bound to the log's timeline and error.
_event, _notify, _locked, _require = workflow_helpers(LogEvent, LogError)


def _places(grid: Grid) -> tuple[Area, Area, Area]:
    """(village, township, district) of a grid, from the division codes."""
    village = grid.village
    township = Area.objects.get(code=Area.parent_code_of(village.code))
    district = Area.objects.get(code=Area.parent_code_of(township.code))
    return village, township, district


def _finish(log: Log) -> Log:
    """Copy the saved state back into the caller's object, which the view goes on using."""
    log.refresh_from_db()
    return log


def _check_photos(photos: Iterable[UploadedFile], already: int = 0) -> list[ReencodedImage]:
    """The copies to store of ``photos`` (re-encoded; the form's copies are not re-encoded twice)."""
    photos = list(photos or [])
    _require(already + len(photos) <= MAX_PHOTOS, _("A log holds at most %(n)d photos.") % {"n": MAX_PHOTOS}, "photos")
    checked = []
    for upload in photos:
        try:
            checked.append(check_photo(upload))
        except ValidationError as e:
            raise LogError(e.messages[0], "photos")
    return checked


def _save_photos(log: Log, actor: User, at: datetime.datetime, checked: list[ReencodedImage]) -> list[LogPhoto]:
    saved = []
    for upload in checked:
        ext = upload.kind.extensions[0]
        photo = LogPhoto(
            log=log,
            original_name=(upload.name or f"photo{ext}")[:200],
            content_type=upload.content_type,
            reencoded=is_reencoded(upload),
            size=upload.size,
            uploaded_by=actor,
            uploaded_at=at,
        )
        photo.file.save(f"photo{ext}", upload, save=False)
        photo.save()
        saved.append(photo)
    return saved


# --- filing -----------------------------------------------------------------------------


def log_file(
    *,
    actor: User,
    grid: Grid,
    at: datetime.datetime,
    occurred_at: datetime.datetime,
    kind: str,
    matter: str,
    category: str = Log.Category.OTHER,
    next_step: str = NextStep.ANSWERED,
    resident: Resident | None = None,
    visitor_name: str = "",
    place: str = "",
    policy_basis: str = "",
    result: str = "",
    accompanied_by: User | None = None,
    publicity_form: str = "",
    participants: int | None = None,
    households_reached: int | None = None,
    agency_type: str = "",
    agency_due_on: datetime.date | None = None,
    agency_assignee: User | None = None,
    dispute_category: str = "",
    photos: Iterable[UploadedFile] = (),
    client_token: str = "",
    urgent_reason: str = "",
) -> Log:
    """File a log in one of the grids the worker serves; it goes to the village centre.

    An incident report reported up may be filed urgent (``urgent_reason``): every level and
    the police of the place are alerted at once (``govcenter.urgent``).

    Next step "agency matter" opens the matter (due ``agency_due_on``, default in a week);
    "turn into a dispute" registers the ledger entry at once (``log_to_dispute``); "report
    up" puts the log in the village centre's queue of new logs. Publicity activities are
    logs of kind "publicity" with a form, participants and households reached.

    The same ``client_token`` from the same worker files one log only: the second call
    raises ``LogAlreadyFiled`` carrying the first.
    """
    allowed = rules.can_file_in(actor, grid.pk)
    _require(allowed, field="grid" if rules.can_file(actor) else None)
    if client_token:
        earlier = Log.objects.filter(recorded_by=actor, client_token=client_token).first()
        if earlier is not None:
            raise LogAlreadyFiled(earlier)
    matter = (matter or "").strip()
    _require(bool(matter), _("Describe the matter: what the person asked or what you found."), "matter")
    _require(kind in Log.Kind.values, _("Choose what kind of work this was."), "kind")
    _require(category in Log.Category.values, _("Choose a category."), "category")
    _require(next_step in NextStep.values, _("Choose the next step."), "next_step")
    _require(local_date(occurred_at) <= local_date(at), _("The date cannot be in the future."), "occurred_on")
    _require(occurred_at <= at + CLOCK_TOLERANCE, _("The time cannot be in the future."), "occurred_time")
    visitor_name = (visitor_name or "").strip()
    if resident is not None:
        _require(
            resident.grid_id == grid.pk,
            _("%(name)s is not registered in %(grid)s. Pick a resident of this grid, or type the name as a visitor.")
            % {"name": resident.name, "grid": grid.name},
            "resident",
        )
        visitor_name = ""
    if accompanied_by is not None:
        _require(
            accompanied_by.pk != actor.pk,
            _("You filed this log: name the officer who went with you, or nobody."),
            "accompanied_by",
        )
        _require(
            police_of_grids([grid.pk]).filter(pk=accompanied_by.pk).exists(),
            _("%(name)s is not the community or auxiliary police officer of %(grid)s.")
            % {"name": accompanied_by.display_name, "grid": grid.name},
            "accompanied_by",
        )
    if kind == Log.Kind.PUBLICITY:
        _require(
            not publicity_form or publicity_form in Log.PublicityForm.values,
            _("Choose the form of publicity."),
            "publicity_form",
        )
        _require(
            participants is None or participants >= 0,
            _("The number of participants cannot be negative."),
            "participants",
        )
        _require(
            households_reached is None or households_reached >= 0,
            _("The number of households reached cannot be negative."),
            "households_reached",
        )
    else:
        publicity_form, participants, households_reached = "", None, None
    if next_step == NextStep.AGENCY:
        agency_type = agency_type or agency_type_for(category)
        _require(agency_type in AgencyMatter.Type.values, _("Choose the type of agency matter."), "agency_type")
        agency_due_on = agency_due_on or local_date(AgencyDeadlinePolicy.deadline(at=at, matter_type=agency_type))
        _require(
            agency_due_on >= local_date(occurred_at),
            _("The agency matter cannot be due before the visit."),
            "agency_due_on",
        )
        agency_assignee = agency_assignee or actor
        _require(
            agency_assignee == actor or grid_workers_of([grid.pk]).filter(pk=agency_assignee.pk).exists(),
            _("An agency matter is assigned to a grid worker of the grid."),
            "agency_assignee",
        )
    if next_step == NextStep.DISPUTE:
        _require(
            resident is not None or bool(visitor_name),
            _("A dispute needs the person concerned: pick a resident or type the visitor's name."),
            "resident",
        )
    _require(
        not urgent_reason or (kind == Log.Kind.INCIDENT and next_step == NextStep.REPORT),
        _("Only an incident report that is reported up can be marked urgent."),
        "urgent_reason",
    )
    checked_photos = _check_photos(photos)
    village, township, district = _places(grid)
    if not place and resident is not None:
        place = resident.address

    with transaction.atomic():
        log = Log(
            grid=grid,
            village=village,
            township=township,
            district=district,
            recorded_by=actor,
            accompanied_by=accompanied_by,
            occurred_at=occurred_at,
            place=place[:200],
            kind=kind,
            category=category,
            resident=resident,
            visitor_name=visitor_name[:50],
            matter=matter,
            policy_basis=policy_basis[:300],
            result=result,
            next_step=next_step,
            publicity_form=publicity_form,
            participants=participants,
            households_reached=households_reached,
            level=Level.VILLAGE,
            status=Status.NEW if next_step == NextStep.REPORT else Status.FILED,
            reported_at=at if next_step == NextStep.REPORT else None,
            due_at=ReportDeadlinePolicy.deadline(at=at, level=Level.VILLAGE) if next_step == NextStep.REPORT else None,
            client_token=client_token or "",
            created_at=at,
            cosign=Log.Cosign.AWAITING if accompanied_by is not None else "",
        )
        try:
            with transaction.atomic():
                log.save()
        except IntegrityError:
            earlier = Log.objects.filter(recorded_by=actor, client_token=client_token).first() if client_token else None
            if earlier is None:
                raise
            raise LogAlreadyFiled(earlier)  # the same draft, submitted twice at the same moment
        _event(
            log,
            Kind.FILED,
            actor,
            at,
            note=log.get_next_step_display(),
            to_level=Level.VILLAGE if log.is_reported else "",
        )
        if accompanied_by is not None:
            _notify(
                log,
                [accompanied_by],
                _("Please co-sign the log of %(worker)s: %(summary)s")
                % {"worker": actor.display_name, "summary": log.summary},
                _("You are named as accompanying this visit; confirm it or decline with a note."),
            )
        if next_step == NextStep.AGENCY:
            matter_row = AgencyMatter.objects.create(
                log=log,
                resident=resident,
                person_name=(resident.name if resident else visitor_name)[:50],
                grid=grid,
                village=village,
                township=township,
                district=district,
                matter_type=agency_type,
                due_on=agency_due_on,
                assignee=agency_assignee,
                created_at=at,
            )
            _event(
                log,
                Kind.AGENCY_OPENED,
                actor,
                at,
                note=f"{matter_row.get_matter_type_display()} · {agency_due_on:%Y-%m-%d}",
            )
            _notify(
                log,
                [agency_assignee],
                _("Agency matter for %(person)s, due %(date)s")
                % {"person": matter_row.person_name or "—", "date": f"{agency_due_on:%Y-%m-%d}"},
                log.summary,
                skip=actor,
            )
        if next_step == NextStep.REPORT:
            _notify(
                log,
                level_staff(log, Level.VILLAGE),
                _("New log to screen from %(worker)s: %(summary)s")
                % {"worker": actor.display_name, "summary": log.summary},
            )
        if next_step == NextStep.DISPUTE:
            _register_dispute(log, actor, at, category=dispute_category or dispute_category_for(log))
        _save_photos(log, actor, at, checked_photos)
        police_queue_check(log, at=at, skip=actor)
        if urgent_reason:
            URGENCY.mark_now(log, actor=actor, at=at, urgent_reason=urgent_reason)
    return log


def log_add_photos(*, log: Log, actor: User, at: datetime.datetime, photos: Iterable[UploadedFile]) -> list[LogPhoto]:
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_add_photos(actor, current))
        checked = _check_photos(photos, already=current.photos.count())
        _require(bool(checked), _("Choose at least one photo."), "photos")
        saved = _save_photos(current, actor, at, checked)
        _event(current, Kind.PHOTOS_ADDED, actor, at, note=str(len(saved)))
    _finish(log)
    return saved


# --- co-signature (会签) by the accompanying officer ------------------------------------------


def log_cosign(*, log: Log, actor: User, at: datetime.datetime) -> Log:
    """The officer named as accompanying confirms the log with one tap (已会签)."""
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_cosign(actor, current))
        current.cosign, current.cosigned_at, current.cosign_note = Log.Cosign.SIGNED, at, ""
        current.save(update_fields=["cosign", "cosigned_at", "cosign_note", "updated_at"])
        _event(current, Kind.COSIGNED, actor, at)
    return _finish(log)


def log_decline_cosign(*, log: Log, actor: User, at: datetime.datetime, note: str) -> Log:
    """The named officer cannot confirm the log: he says why, and whoever filed it is told."""
    note = (note or "").strip()
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_decline_cosign(actor, current))
        _require(bool(note), _("Say why you cannot co-sign this log."), "note")
        current.cosign, current.cosigned_at, current.cosign_note = Log.Cosign.DECLINED, None, note
        current.save(update_fields=["cosign", "cosigned_at", "cosign_note", "updated_at"])
        _event(current, Kind.COSIGN_DECLINED, actor, at, note=note)
        _notify(
            current,
            [current.recorded_by],
            _("%(officer)s declined to co-sign your log: %(summary)s")
            % {"officer": actor.display_name, "summary": current.summary},
            note,
            skip=actor,
        )
    return _finish(log)


# --- agency matters ------------------------------------------------------------------------


def agency_matter_complete(*, matter: AgencyMatter, actor: User, at: datetime.datetime, result: str) -> AgencyMatter:
    """Record that the matter is done and how it ended; the log's timeline shows it."""
    result = (result or "").strip()
    with transaction.atomic():
        m = AgencyMatter.objects.select_for_update().select_related("log").get(pk=matter.pk)
        _require(rules.can_complete_agency(actor, m))
        _require(bool(result), _("Describe the result."), "result")
        m.status, m.result, m.completed_at, m.completed_by = AgencyMatter.Status.DONE, result, at, actor
        m.save()
        log = m.log
        _event(log, Kind.AGENCY_COMPLETED, actor, at, note=f"{m.get_matter_type_display()}: {result}")
        _notify(
            log,
            [log.recorded_by, m.assignee],
            _("Agency matter for %(person)s completed") % {"person": m.person_name or "—"},
            result,
            skip=actor,
        )
    matter.refresh_from_db()
    return matter


# --- turning a log into a dispute --------------------------------------------------------------


def _parties_of(log: Log, respondent_name: str = "") -> list[PartyData]:
    if log.resident_id:
        r = log.resident
        applicant = PartyData(
            role=Party.Role.APPLICANT,
            name=r.name,
            phone=r.phone,
            address=r.address,
            resident=r,
            # The party is this resident: their ID number is carried over (stored encrypted,
            # shown masked like the resident's).
            id_number=r.reveal_id_number() if r.has_id_number else "",
        )
    elif log.visitor_name:
        applicant = PartyData(role=Party.Role.APPLICANT, name=log.visitor_name)
    else:
        raise LogError(_("A dispute needs the person concerned: this log names nobody."))
    parties = [applicant]
    if respondent_name.strip():
        parties.append(PartyData(role=Party.Role.RESPONDENT, name=respondent_name.strip()))
    return parties


def _register_dispute(
    log: Log,
    actor: User,
    at: datetime.datetime,
    *,
    category: str,
    summary: str = "",
    respondent_name: str = "",
    risk_level: str = "general",
) -> Dispute:
    description = log.matter
    if log.policy_basis:
        description += "\n" + _("Policy basis: %(text)s") % {"text": log.policy_basis}
    if log.result:
        description += "\n" + _("Result so far: %(text)s") % {"text": log.result}
    try:
        dispute = dispute_register(
            actor=actor,
            at=at,
            source=Dispute.Source.GRID_INSPECTION,
            category=category,
            summary=(summary or log.summary)[:200],
            description=description,
            occurred_on=local_date(log.occurred_at),
            parties=_parties_of(log, respondent_name),
            risk_level=risk_level,
            grid=log.grid,
            location=log.place,
            accept_here=True,  # the centre turning it into a dispute handles it: accepted at once
        )
    except DisputeError as e:
        raise LogError(str(e))
    log.dispute = dispute
    log.save(update_fields=["dispute", "updated_at"])
    _event(log, Kind.TURNED_INTO_DISPUTE, actor, at, note=dispute.number)
    return dispute


def log_to_dispute(
    *,
    log: Log,
    actor: User,
    at: datetime.datetime,
    category: str = "",
    summary: str = "",
    respondent_name: str = "",
    risk_level: str = "general",
) -> Dispute:
    """Register the ledger entry prefilled from the log (place, date, matter, the resident
    as applicant, the category mapped) and link both ways (``log.dispute``,
    ``dispute.sentiment_log``).

    A log waiting in the reporting flow leaves it: the result fed back down is "registered
    as dispute MD-...", and the ledger tracks the case from there.
    """
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_turn_into_dispute(actor, current))
        category = category or dispute_category_for(current)
        _require(category in Dispute.Category.values, _("Choose a dispute category."), "category")
        dispute = _register_dispute(
            current,
            actor,
            at,
            category=category,
            summary=summary,
            respondent_name=respondent_name,
            risk_level=risk_level,
        )
        # One event, one notification each: the worker who filed it (and, for a log in the
        # reporting flow, the levels below that it passed) learn which case it became.
        title = _("Your log became dispute %(number)s") % {"number": dispute.notice_name()}
        if current.status == Status.FILED:
            current.next_step = NextStep.DISPUTE
            current.save(update_fields=["next_step", "updated_at"])
            _notify(current, [current.recorded_by], title, current.summary, skip=actor)
        else:
            current.status, current.fed_back_at, current.fed_back_by = Status.FED_BACK, at, actor
            current.feedback = _("Registered in the dispute ledger as %(number)s.") % {"number": dispute.number}
            current.save()
            feedback.notify_result_returned(
                current, below=current.level, actor=actor, title=title, body=current.feedback
            )
    _finish(log)
    return dispute


# --- the reporting flow ---------------------------------------------------------------------


def log_report_up(*, log: Log, actor: User, at: datetime.datetime, note: str = "", target: str | None = None) -> Log:
    """The village centre reports a log to the township, the township to the district.

    ``target`` = district from the village: the village centre passes an urgent log straight
    to the district (``rules.can_report_to_district``); the skipped township is told."""
    with transaction.atomic():
        current = _locked(log)
        skipped = target is not None  # only the district is ever named: straight from the village
        if skipped:
            _require(target == Level.DISTRICT, _("Only the district can be reached directly."))
            _require(rules.can_report_to_district(actor, current))
        else:
            _require(rules.can_report_up(actor, current))
        from_level, target = current.level, target or current.next_level()
        current.level, current.status, current.handler, current.reported_at = target, Status.REPORTED_UP, None, at
        current.due_at = ReportDeadlinePolicy.deadline(at=at, level=target)
        current.save()
        _event(current, Kind.REPORTED_UP, actor, at, note=note, from_level=from_level, to_level=target)
        _notify(
            current,
            level_staff(current, target),
            _("Log reported up by the %(level)s centre: %(summary)s")
            % {"level": Level(from_level).label, "summary": current.summary},
            note,
        )
        if skipped:
            _notify(
                current,
                level_staff(current, Level.TOWNSHIP),
                _("Urgent log passed straight from the village to the district: %(summary)s")
                % {"summary": current.summary},
                note,
            )
    return _finish(log)


def log_handle_here(*, log: Log, actor: User, at: datetime.datetime, handler: User, note: str = "") -> Log:
    """The level the log is at handles it: a village cadre or grid worker at village level,
    the centre's own staff at township and district level."""
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_handle_here(actor, current))
        _require(
            handler_choices(current, whole_village=True).filter(pk=handler.pk).exists(),
            _("%(person)s does not work at the level handling this log.") % {"person": handler.display_name},
            "handler",
        )
        # The same person put in charge again: no state changes, so no timeline entry and no notification.
        _require(
            not (current.status == Status.IN_HAND and current.handler_id == handler.pk),
            _("%(person)s is already in charge of this log; nothing changed.") % {"person": handler.display_name},
            "handler",
        )
        current.status, current.handler = Status.IN_HAND, handler
        current.save()
        _event(
            current,
            Kind.HANDLED_HERE,
            actor,
            at,
            note=" · ".join(x for x in (handler.display_name, note) if x),
            to_level=current.level,
        )
        _notify(
            current,
            [handler],
            _("You are in charge of a log: %(summary)s") % {"summary": current.summary},
            note,
            skip=actor,
        )
    return _finish(log)


def _assign(
    log: Log, *, actor: User, at: datetime.datetime, rule, unit: Department, level: str, kind, title: str, note: str
) -> Log:
    """A centre assigns (交办) the log to a unit at ``level``: the district to a functional
    department, the township to one of its stations and institutes. The unit's staff feed
    the result back (``log_feed_back``); it goes down from the centre that assigned it."""
    with transaction.atomic():
        current = _locked(log)
        _require(rule(actor, current))
        from_level = current.level
        if level == Level.DEPARTMENT:
            fits = unit.district_id == current.district_id and not unit.is_unit
            _require(fits and unit.is_active, _("Choose an active department of this district."), "department")
        else:
            fits = unit.township_id is not None and unit.township_id == current.township_id
            _require(fits and unit.is_active, _("Choose an active station or institute of this township."), "unit")
        current.level, current.department, current.status, current.handler = level, unit, Status.IN_HAND, None
        current.due_at = ReportDeadlinePolicy.deadline(at=at, level=level)
        current.save()
        _event(
            current,
            kind,
            actor,
            at,
            note=" · ".join(x for x in (unit.name, note) if x),
            from_level=from_level,
            to_level=level,
        )
        _notify(current, level_staff(current, level), title % {"summary": current.summary}, note)
    return _finish(log)


def log_assign_department(
    *, log: Log, actor: User, at: datetime.datetime, department: Department, note: str = ""
) -> Log:
    """The district registers the log and assigns it to a functional department."""
    return _assign(
        log,
        actor=actor,
        at=at,
        rule=rules.can_assign_department,
        unit=department,
        level=Level.DEPARTMENT,
        kind=Kind.DEPARTMENT_ASSIGNED,
        title=_("The district centre assigned you a log: %(summary)s"),
        note=note,
    )


def log_assign_unit(*, log: Log, actor: User, at: datetime.datetime, unit: Department, note: str = "") -> Log:
    """The township centre assigns the log to one of its stations and institutes (站所)."""
    return _assign(
        log,
        actor=actor,
        at=at,
        rule=rules.can_assign_unit,
        unit=unit,
        level=Level.TOWNSHIP_UNIT,
        kind=Kind.UNIT_ASSIGNED,
        title=_("The township centre assigned you a log: %(summary)s"),
        note=note,
    )


def _notify_feedback(log: Log, actor: User, result: str) -> None:
    """The grid worker and every level below the handling one that the log passed through."""
    feedback.notify_result_returned(
        log,
        below=log.level,
        actor=actor,
        title=_("Result fed back on your log: %(summary)s") % {"summary": log.summary},
        body=result,
    )


def log_feed_back(*, log: Log, actor: User, at: datetime.datetime, result: str) -> Log:
    """The handling level's result goes back down: the log is answered."""
    result = (result or "").strip()
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_feed_back(actor, current))
        _require(bool(result), _("Describe the result."), "result")
        current.status, current.feedback, current.fed_back_at, current.fed_back_by = Status.FED_BACK, result, at, actor
        feedback.result_return(current, level=current.level, at=at)
        current.save()
        below = current.reporting_levels()
        _event(
            current,
            Kind.FED_BACK,
            actor,
            at,
            note=result,
            from_level=current.level,
            to_level=below[-1] if below else Level.VILLAGE,
        )
        _notify_feedback(current, actor, result)
    return _finish(log)


# --- the police review queue (govcenter.police) ------------------------------------------------


def police_queue_check(log: Log, *, at: datetime.datetime, actor: User | None = None, skip: User | None = None) -> bool:
    """Put a public-security hazard or incident log in the police review queue if it has
    never been there, in the caller's transaction: one timeline event and one notification
    to the police of its place. True if it entered now."""
    reasons = log.police_review_reasons()
    # A place no police station covers has nobody to judge it (it would only ever be overdue).
    if not reasons or log.police_review or not police_of(log).exists():
        return False
    if not queue_enter(log, due_at=police_review_deadline(subject=PoliceReviewPolicy.Subject.LOG, at=at)):
        return False
    why = "、".join(reasons)
    _event(log, Kind.POLICE_QUEUED, actor, at, note=why)
    message = _("A log awaits your police review (%(reasons)s)") % {"reasons": why}
    _notify(log, police_of(log), message, log.summary, skip=skip)  # an officer who filed it knows
    return True


def log_give_police_opinion(*, log: Log, actor: User, at: datetime.datetime, verdict: str, opinion: str) -> Log:
    """The police opinion (研判意见) on a log in the queue; it leaves the queue, and the
    grid worker who filed it and the centre handling it (if reported) are told."""
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_give_police_opinion(actor, current))
        _require(verdict in Verdict.values, _("Choose the verdict."), "verdict")
        _require(bool(opinion.strip()), _("Write the opinion."), "opinion")
        LogPoliceReview.objects.create(log=current, author=actor, verdict=verdict, opinion=opinion)
        queue_leave(current, verdict=verdict)
        note = f"{Verdict(verdict).label}: {opinion}"
        _event(current, Kind.POLICE_REVIEW, actor, at, note=note)
        centre = level_staff(current, current.level) if current.is_reported else []
        _notify(
            current,
            [current.recorded_by, *centre],
            _("Police opinion on your log: %(verdict)s") % {"verdict": Verdict(verdict).label},
            opinion,
            skip=actor,
        )
    return _finish(log)


def log_supervise_police_review(*, log: Log, at: datetime.datetime) -> Log:
    """The police opinion on a queued log is overdue: place it under supervision (督办),
    once per deadline (the overdue sweep, ``govcenter.police.supervise_overdue``), and
    renew the deadline; the police and the district centre are told."""
    expected_due = log.police_review_due_at  # as the sweep read it
    with transaction.atomic():
        current = Log.objects.get(pk=log.pk)
        _require(current.police_review_overdue(at), _("The police opinion on this log is not overdue."))
        new_due = police_review_deadline(subject=PoliceReviewPolicy.Subject.LOG, at=at)
        if not queue_supervise(current, at=at, expected_due=expected_due, new_due=new_due):
            raise LogError(_("Someone else changed this log meanwhile; reload it."))
        _event(current, Kind.POLICE_SUPERVISED, None, at)
        title = _("The police opinion on a log is overdue and under supervision")
        _notify(current, [*police_of(current), *level_staff(current, Level.DISTRICT)], title, current.summary)
    return _finish(log)


def log_tell_parties(
    *, log: Log, actor: User, at: datetime.datetime, how: str, satisfaction: str, note: str = ""
) -> Log:
    """The village centre or the grid worker records that the parties were told the result
    fed back, and their satisfaction. Unsatisfied: the log is back in the flow at the level
    that fed it back, for review (in hand if its person in charge is still of that level);
    feeding back again sends the result down again (``govcenter.feedback``)."""
    with transaction.atomic():
        current = _locked(log)
        _require(rules.can_tell_parties(actor, current))
        unsatisfied = feedback.record_parties_told(
            current, actor=actor, at=at, how=how, satisfaction=satisfaction, error=LogError
        )
        told = feedback.told_note(current, note)
        if not unsatisfied:
            current.save()
            _event(current, Kind.PARTIES_TOLD, actor, at, note=told)
            return _finish(log)
        from_level = move_to_level(current, current.result_level or current.level)
        # A department or a township unit has no screening.
        if level_handler(current) is not None or current.level in ASSIGNED_LEVELS:
            current.status = Status.IN_HAND
        else:
            current.status = Status.NEW if current.level == Level.VILLAGE else Status.REPORTED_UP
        current.save()
        _event(current, Kind.PARTIES_UNSATISFIED, actor, at, note=told, from_level=from_level, to_level=current.level)
        _notify(
            current,
            [*level_staff(current, current.level), level_handler(current)],
            _("The parties are unsatisfied with the result of a log: review it: %(summary)s")
            % {"summary": current.summary},
            told,
            skip=actor,
        )
    return _finish(log)


# --- supervision (挂牌督办) and the overdue sweep ------------------------------------------------

# The kernel's supervision steps, on the log's timeline.
SUPERVISION = Supervised(
    model=Log,
    event_model=LogEvent,
    error=LogError,
    started_kind=Kind.SUPERVISED,
    lifted_kind=Kind.SUPERVISION_LIFTED,
    label=lambda log: _("Log %(summary)s") % {"summary": log.summary},
    queryset=lambda: Log.objects.select_related("resident", "handler", "department"),
)


URGENCY = Urgency(
    model=Log,
    event_model=LogEvent,
    error=LogError,
    marked_kind=Kind.MARKED_URGENT,
    rule=rules.can_mark_urgent,
    open_q=Q(status__in=Log.OPEN_FLOW_STATUSES),
    label=lambda log: _("Incident report %(summary)s") % {"summary": log.summary},
)


def log_mark_urgent(*, log: Log, actor: User, at: datetime.datetime, urgent_reason: str, note: str = "") -> Log:
    """Mark an incident report in the flow urgent (紧急) and alert every level and its police."""
    return URGENCY.mark(item=log, actor=actor, at=at, urgent_reason=urgent_reason, note=note)


def log_pass_to_district(*, log: Log, actor: User, at: datetime.datetime, note: str) -> Log:
    """The village centre passes an urgent log straight to the district (``log_report_up``)."""
    return log_report_up(log=log, actor=actor, at=at, note=note, target=Level.DISTRICT)


def log_supervise(*, log: Log, actor: User, at: datetime.datetime, due_on: datetime.date, note: str) -> Log:
    """District staff (or township staff for their villages) put a reported log under supervision."""
    return SUPERVISION.start(item=log, actor=actor, at=at, due_on=due_on, note=note)


def log_lift_supervision(*, log: Log, actor: User, at: datetime.datetime, note: str) -> Log:
    return SUPERVISION.lift(item=log, actor=actor, at=at, note=note)


def log_overdue(log: Log, at: datetime.datetime) -> str:
    """The overdue sweep's step on a log past its level's deadline: the village or township
    report it up automatically; at the district or a department it is supervised by the
    district centre, with a new deadline so that it repeats if it stays overdue.

    1. Check on a fresh copy that the log is in the flow and overdue now.
    2. Write with a conditional UPDATE on (level, deadline, status) as the sweep read them
       (``govcenter.sweep.claim``): a second worker changes nothing and gets LogError.
    3. Timeline event and notifications in the same transaction.
    """
    expected = {"level": log.level, "due_at": log.due_at, "status": log.status}
    with transaction.atomic():
        current = Log.objects.get(pk=log.pk)
        _require(current.is_overdue(at), _("This log is not overdue."))
        from_level, target = current.level, current.next_level()
        if target is not None:
            new_due = ReportDeadlinePolicy.deadline(at=at, level=target)
            changes = {"level": target, "status": Status.REPORTED_UP, "handler": None, "reported_at": at}
        else:
            new_due = ReportDeadlinePolicy.deadline(at=at, level=from_level)
            changes = {"supervised_at": at}
        if not claim(current, expected, due_at=new_due, updated_at=at, **changes):
            raise LogError(_("Someone else changed this log meanwhile; reload it."))
        previous_handler = current.handler
        current.refresh_from_db()
        if target is not None:
            note = _("Overdue at %(level)s: reported up automatically.") % {"level": Level(from_level).label}
            _event(current, Kind.REPORTED_UP, None, at, note=note, from_level=from_level, to_level=target)
            title = _("Overdue log reported up to the %(level)s centre: %(summary)s") % {
                "level": Level(target).label,
                "summary": current.summary,
            }
            _notify(
                current, [*level_staff(current, target), *level_staff(current, from_level), previous_handler], title
            )
            return ESCALATED
        note = _("Overdue at %(level)s.") % {"level": current.get_level_display()}
        SUPERVISION.placed_by_sweep(current, at=at, due_at=new_due, note=note)
        _event(current, Kind.SUPERVISED, None, at, note=note)
        title = _("Log overdue and under supervision: %(summary)s") % {"summary": current.summary}
        # A township unit's township, which assigned it there, is told too.
        parent = [*level_staff(current, BRANCHES[current.level])] if current.level in BRANCHES else []
        _notify(
            current, [*level_staff(current, Level.DISTRICT), *parent, *level_staff(current), current.handler], title
        )
        return SUPERVISED


def agency_matter_overdue(matter: AgencyMatter, at: datetime.datetime) -> str:
    """The overdue sweep's step on an open agency matter past its due day: it cannot move
    up (the grid worker does it for the village), so the township centre supervises it and
    its due day is renewed from the policy (so that it repeats if it stays overdue).
    Conditional on (status, due day) as the sweep read them, like ``log_overdue``."""
    expected = {"status": AgencyMatter.Status.OPEN, "due_on": matter.due_on}
    with transaction.atomic():
        current = AgencyMatter.objects.select_related("log", "assignee").get(pk=matter.pk)
        _require(current.is_overdue(local_date(at)), _("This agency matter is not overdue."))
        new_due = AgencyDeadlinePolicy.deadline(at=at, matter_type=current.matter_type)
        if not claim(current, expected, due_on=local_date(new_due), supervised_at=at):
            raise LogError(_("Someone else changed this agency matter meanwhile; reload it."))
        current.refresh_from_db()
        note = _("Agency matter for %(person)s (%(type)s) was due %(date)s; now due %(new)s.") % {
            "person": current.person_name or "—",
            "type": current.get_matter_type_display(),
            "date": f"{matter.due_on:%Y-%m-%d}",
            "new": f"{current.due_on:%Y-%m-%d}",
        }
        SUPERVISION.placed_by_sweep(current, at=at, due_at=new_due, note=note, level=Level.TOWNSHIP)
        _event(current.log, Kind.AGENCY_OVERDUE, None, at, note=note)
        _notify(
            current.log,
            [current.assignee, *level_staff(current, Level.VILLAGE), *level_staff(current, Level.TOWNSHIP)],
            _("Agency matter overdue and under supervision: %(person)s") % {"person": current.person_name or "—"},
            note,
        )
        return SUPERVISED
