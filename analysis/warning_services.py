"""The warnings' writes (预警): raising one from a rule's finding, and its steps (acknowledge,
dispose, close), on the case-workflow kernel (timeline, deadline, supervision, urgency).

Kept apart from ``services.py`` (the monthly report's) so that the two change apart."""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from disputes.models import Dispute
from govcenter.deadlines import DayKind, deadline_after
from govcenter.levels import Level, level_staff
from govcenter.models import User
from govcenter.supervision import Supervised
from govcenter.sweep import SUPERVISED, claim
from govcenter.timeline import WorkflowError, workflow_helpers
from govcenter.urgent import Urgency, UrgentReason, notify_urgent

from . import rules
from .models import Warning, WarningCase, WarningEvent, WarningRule
from .warnings import Finding, findings_for, sweep_findings


class WarningError(WorkflowError):
    """A warning step that is not allowed now; nothing changed."""


_event, _notify, _locked, _require = workflow_helpers(WarningEvent, WarningError)
Kind = WarningEvent.Kind
Status = Warning.Status


def _label(w: Warning) -> str:
    return _("Warning %(rule)s: %(subject)s") % {"rule": w.rule.get_kind_display(), "subject": w.subject_label}


SUPERVISION = Supervised(
    model=Warning,
    event_model=WarningEvent,
    error=WarningError,
    started_kind=Kind.SUPERVISED,
    lifted_kind=Kind.SUPERVISION_LIFTED,
    label=_label,
    queryset=lambda: Warning.objects.select_related("rule", "handler"),
)

# Warnings are marked urgent by their rule when raised, never by hand (no step offers it).
URGENCY = Urgency(
    model=Warning,
    event_model=WarningEvent,
    error=WarningError,
    marked_kind=Kind.MARKED_URGENT,
    rule=lambda user, w: False,
    open_q=~Q(status=Status.CLOSED),
    label=_label,
)

# Why an urgent rule's warning is urgent (govcenter.urgent's reasons).
URGENT_REASON = {
    WarningRule.Kind.POLICE_FLAG: UrgentReason.MASS_INCIDENT_RISK,
    WarningRule.Kind.WAGE_ARREARS: UrgentReason.MASS_INCIDENT_RISK,
}


# --- who is told --------------------------------------------------------------------------------


def centre_staff(w: Warning) -> list[User]:
    """The staff of the township centre (if the warning lies in one township) and the district."""
    people = list(level_staff(w, Level.DISTRICT))
    if w.township_id is not None:
        people += list(level_staff(w, Level.TOWNSHIP))
    return people


def station_staff(w: Warning) -> list[User]:
    """The staff of every police station covering a village of the warning's cases."""
    villages = WarningCase.objects.filter(warning=w, dispute__village__isnull=False).values("dispute__village_id")
    return list(
        User.objects.filter(
            role=User.Role.STATION_STAFF, is_active=True, police_station__villages__in=villages
        ).distinct()
    )


def lead_handler_choices(w: Warning):
    """Whom a disposal may make lead handler: the staff of the centres handling the warning."""
    ids = [u.pk for u in centre_staff(w)]
    return User.objects.filter(pk__in=ids).order_by("role", "full_name", "username")


# --- raising --------------------------------------------------------------------------------------


def _place(dispute_ids: list[int]) -> dict:
    """The place the cases share: their village, else their township, else the district
    (the one most of them are in)."""
    return _place_of_rows(
        list(Dispute.objects.filter(pk__in=dispute_ids).values_list("district_id", "township_id", "village_id"))
    )


def _place_of_rows(rows: list[tuple[int, int | None, int | None]]) -> dict:
    """``_place`` of the cases' (district, township, village) rows."""
    district = Counter(r[0] for r in rows).most_common(1)[0][0]
    townships = {r[1] for r in rows}
    villages = {r[2] for r in rows}
    township = townships.pop() if len(townships) == 1 and len({r[0] for r in rows}) == 1 else None
    village = villages.pop() if township is not None and len(villages) == 1 else None
    return {
        "district_id": district,
        "township_id": township,
        "village_id": village,
        "level": Level.TOWNSHIP if township is not None else Level.DISTRICT,
    }


def _add_cases(w: Warning, dispute_ids: list[int], at: datetime.datetime) -> list[int]:
    """Add the cases not yet behind ``w`` (whose row the caller holds locked); the ids added."""
    have = set(WarningCase.objects.filter(warning=w).values_list("dispute_id", flat=True))
    new = [pk for pk in dispute_ids if pk not in have]
    WarningCase.objects.bulk_create(
        [WarningCase(warning=w, dispute_id=pk, added_at=at) for pk in new], ignore_conflicts=True
    )
    return new


def _numbers(ids: list[int]) -> str:
    return "、".join(Dispute.objects.filter(pk__in=ids).order_by("number").values_list("number", flat=True))


def warning_raise(*, finding: Finding, at: datetime.datetime) -> tuple[Warning | None, list[int], bool]:
    """Raise ``finding`` as a warning, or add its new cases to the open one of its rule and
    subject. Returns the warning (None when nothing is new), the ids of the cases added and
    whether the warning is new.
    Safe under re-runs and two workers:

    1. The open warning of (rule, subject), locked: add the cases it lacks (a timeline event
       if any); done.
    2. None open: if every case is behind a closed warning of the subject, nothing is new
       (a closed warning is not raised again by the same cases).
    3. Create it in a savepoint. The partial unique constraint (one open per rule and subject)
       refuses a second one: another worker created it meanwhile, so re-read it (step 1).
    4. The new warning: its cases, the "raised" event, the centres and stations told; an
       urgent rule's warning is marked urgent (the kernel's alarm, by SMS too).
    """
    rule, key, ids = finding.rule, finding.subject_key, sorted(set(finding.dispute_ids))
    for _attempt in range(3):
        with transaction.atomic():
            w = Warning.objects.select_for_update().filter(rule=rule, subject_key=key).exclude(status=Status.CLOSED)
            w = w.first()
            if w is not None:
                added = _add_cases(w, ids, at)
                if added:
                    Warning.objects.filter(pk=w.pk).update(measure=max(w.measure, finding.measure))
                    w.measure = max(w.measure, finding.measure)
                    _event(w, Kind.CASES_ADDED, None, at, note=_numbers(added))
                    _notify(w, [w.handler], _("New cases behind a warning: %(w)s") % {"w": _label(w)})
                return (w if added else None), added, False
            closed = set(
                WarningCase.objects.filter(
                    warning__rule=rule, warning__subject_key=key, warning__status=Status.CLOSED, dispute_id__in=ids
                ).values_list("dispute_id", flat=True)
            )
            if set(ids) <= closed:
                return None, [], False
            try:
                with transaction.atomic():
                    w = Warning.objects.create(
                        rule=rule,
                        subject_key=key,
                        subject_label=finding.subject_label[:200],
                        measure=finding.measure,
                        threshold_used=finding.threshold,
                        window_used=finding.window_days,
                        raised_at=at,
                        due_at=deadline_after(at, days=rule.days_to_handle, day_kind=DayKind.WORKING),
                        **_place(ids),
                    )
            except IntegrityError:
                continue  # raised by another worker meanwhile: add to theirs
            _add_cases(w, ids, at)
            _event(w, Kind.RAISED, None, at, note=why(w))
            if rule.urgent:
                URGENCY.mark_now(w, actor=None, at=at, urgent_reason=URGENT_REASON.get(rule.kind, "mass_incident"))
                if w.village_id is None:  # the kernel alarms the police of the warning's village only
                    notify_urgent(w, station_staff(w), _("URGENT: %(w)s") % {"w": _label(w)}, why(w))
            else:
                _notify(w, [*centre_staff(w), *station_staff(w)], _("New warning: %(w)s") % {"w": _label(w)}, why(w))
            return w, ids, True
    raise WarningError(_("The warning could not be raised; try again."))  # pragma: no cover


def warnings_check_dispute(*, dispute_id: int, at: datetime.datetime) -> list[Warning]:
    """Every rule on one dispute (after it, its follow-up or a police review changed)."""
    dispute = Dispute.objects.filter(pk=dispute_id).first()
    if dispute is None:
        return []
    raised = []
    for finding in list(findings_for(dispute, at)):
        w, _added, _new = warning_raise(finding=finding, at=at)
        if w is not None:
            raised.append(w)
    return raised


# A sweep raises its findings this many at a time.
RAISE_BATCH = 200


def warnings_sweep(
    *, at: datetime.datetime, kinds: list[str] | None = None, batch: int = RAISE_BATCH
) -> dict[str, int]:
    """The nightly sweep: every enabled rule over the whole ledger; counts of findings,
    warnings raised and warnings that got new cases. Findings are raised ``batch`` at a
    time (``warnings_raise_many``)."""
    counts = {"findings": 0, "raised": 0, "extended": 0}

    def flush(findings: list[Finding]) -> None:
        for _w, new in warnings_raise_many(findings, at=at):
            counts["raised" if new else "extended"] += 1

    pending: list[Finding] = []
    for finding in sweep_findings(at, kinds=kinds):
        counts["findings"] += 1
        pending.append(finding)
        if len(pending) >= batch:
            flush(pending)
            pending = []
    flush(pending)
    return counts


def warnings_raise_many(findings: list[Finding], *, at: datetime.datetime) -> list[tuple[Warning, bool]]:
    """``warning_raise`` for a sweep's batch of findings: [(warning, new)] for those that
    raised a warning or added cases to one. The findings with no open warning of their
    subject are raised together, in a constant number of queries: the open warnings and the
    closed ones' cases read once, the warnings, their cases, their "raised" (and an urgent
    rule's "marked urgent") events and the notifications (an urgent rule's as alarms) written
    with one INSERT each. Every other finding (an open warning to extend, a subject twice in
    the batch) and the whole batch if
    another worker raised one of them meanwhile (the unique constraint refuses the INSERT)
    go through ``warning_raise`` one by one; so the result is the same as raising each."""
    one_by_one: list[Finding] = []
    together: list[Finding] = []
    seen: set[tuple[int, str]] = set()
    for finding in findings:
        key = (finding.rule.pk, finding.subject_key)
        if key in seen:
            one_by_one.append(finding)
        else:
            together.append(finding)
        seen.add(key)
    done: list[tuple[Warning, bool]] = []
    if together:
        try:
            raised, rest = _raise_together(together, at)
        except IntegrityError:
            raised, rest = [], together  # raised by another worker meanwhile: one by one
        done += [(w, True) for w in raised]
        one_by_one = rest + one_by_one
    for finding in one_by_one:
        w, _added, new = warning_raise(finding=finding, at=at)
        if w is not None:
            done.append((w, new))
    return done


def _raise_together(findings: list[Finding], at: datetime.datetime) -> tuple[list[Warning], list[Finding]]:
    """Raise the findings with no open warning of their rule and subject at once; returns
    the warnings raised and the findings left to ``warning_raise`` (those with an open
    warning). Raises IntegrityError (nothing written) if one was raised meanwhile."""
    from govcenter.levels import level_place, level_staff_of_many
    from govcenter.services import Message, notifications_send

    rules_by_pk = {f.rule.pk: f.rule for f in findings}
    keys = {f.subject_key for f in findings}
    with transaction.atomic():
        open_keys = set(
            Warning.objects.select_for_update()
            .filter(rule__in=list(rules_by_pk), subject_key__in=keys)
            .exclude(status=Status.CLOSED)
            .values_list("rule_id", "subject_key")
        )
        rest = [f for f in findings if (f.rule.pk, f.subject_key) in open_keys]
        fresh = [f for f in findings if (f.rule.pk, f.subject_key) not in open_keys]
        closed: dict[tuple[int, str], set[int]] = {}
        for rule_id, key, dispute_id in WarningCase.objects.filter(
            warning__rule__in=list(rules_by_pk), warning__subject_key__in=keys, warning__status=Status.CLOSED
        ).values_list("warning__rule_id", "warning__subject_key", "dispute_id"):
            closed.setdefault((rule_id, key), set()).add(dispute_id)
        fresh = [f for f in fresh if not set(f.dispute_ids) <= closed.get((f.rule.pk, f.subject_key), set())]
        all_ids = {pk for f in fresh for pk in f.dispute_ids}
        where = {
            row[0]: row[1:]
            for row in Dispute.objects.filter(pk__in=all_ids).values_list(
                "pk", "district_id", "township_id", "village_id"
            )
        }
        fresh = [f for f in fresh if any(pk in where for pk in f.dispute_ids)]  # a case deleted meanwhile
        if not fresh:
            return [], rest
        due = {
            pk: deadline_after(at, days=rule.days_to_handle, day_kind=DayKind.WORKING)
            for pk, rule in rules_by_pk.items()
        }
        warnings = []
        for f in fresh:
            ids = sorted({pk for pk in f.dispute_ids if pk in where})
            warnings.append(
                Warning(
                    rule=f.rule,
                    subject_key=f.subject_key,
                    subject_label=f.subject_label[:200],
                    measure=f.measure,
                    threshold_used=f.threshold,
                    window_used=f.window_days,
                    raised_at=at,
                    due_at=due[f.rule.pk],
                    **_place_of_rows([where[pk] for pk in ids]),
                    # An urgent rule's warning is marked urgent as it is raised (``URGENCY.mark_now``).
                    **(
                        {
                            "urgent_reason": URGENT_REASON.get(f.rule.kind, UrgentReason.MASS_INCIDENT_RISK),
                            "urgent_at": at,
                        }
                        if f.rule.urgent
                        else {}
                    ),
                )
            )
        with transaction.atomic():
            Warning.objects.bulk_create(warnings)  # the partial unique constraint may refuse one
        WarningCase.objects.bulk_create(
            [
                WarningCase(warning=w, dispute_id=pk, added_at=at)
                for w, f in zip(warnings, fresh, strict=True)
                for pk in sorted(set(f.dispute_ids))
                if pk in where
            ]
        )
        events = []
        for w in warnings:
            events.append(WarningEvent.build(w, Kind.RAISED, None, at, note=why(w)))
            if w.urgent_at is not None:
                events.append(
                    WarningEvent.build(w, Kind.MARKED_URGENT, None, at, note=str(UrgentReason(w.urgent_reason).label))
                )
        WarningEvent.objects.bulk_create(events)
        # Who is told: as ``centre_staff`` and ``station_staff`` of each (an urgent one: as
        # ``urgent_recipients``, the village centre too), read once for the batch.
        levels = [(w, level) for w in warnings for level in (Level.DISTRICT, Level.TOWNSHIP, Level.VILLAGE)]
        staff = level_staff_of_many(levels)
        police: dict[int, list[User]] = {}
        villages = {where[pk][2] for pk in all_ids if where.get(pk) and where[pk][2] is not None}
        for user in User.objects.filter(
            role=User.Role.STATION_STAFF, is_active=True, police_station__villages__in=villages
        ).annotate(village=F("police_station__villages")):
            police.setdefault(user.village, []).append(user)
        messages = []
        for w, f in zip(warnings, fresh, strict=True):
            centres = [*staff.get(level_place(w, Level.DISTRICT), [])]
            if w.township_id is not None:
                centres += staff.get(level_place(w, Level.TOWNSHIP), [])
            stations = [
                u for village in {where[pk][2] for pk in f.dispute_ids if pk in where} for u in police.get(village, [])
            ]
            url = w.get_absolute_url()
            if w.urgent_at is None:
                title = _("New warning: %(w)s") % {"w": _label(w)}
                messages.append(Message([*centres, *stations], title, why(w), url))
                continue
            # As ``urgent_recipients``: the village, township and district centres and, when
            # the warning lies in one village, the stations covering it; by id.
            alarmed = {u.pk: u for u in [*staff.get(level_place(w, Level.VILLAGE), []), *centres]}
            if w.village_id is not None:
                alarmed.update((u.pk, u) for u in police.get(w.village_id, []))
            reason = UrgentReason(w.urgent_reason).label
            title = _("URGENT (%(reason)s): %(item)s") % {"reason": reason, "item": _label(w)}
            messages.append(Message([alarmed[pk] for pk in sorted(alarmed)], title, "", url, urgent=True))
            if w.village_id is None:  # the kernel alarms the police of the warning's village only
                messages.append(Message(stations, _("URGENT: %(w)s") % {"w": _label(w)}, why(w), url, urgent=True))
        notifications_send(messages)
    return warnings, rest


# --- why it fired ------------------------------------------------------------------------------


def why(w: Warning) -> str:
    """The rule's text with the numbers, e.g. "3 disputes within 180 days against 宏达建筑"."""
    K = WarningRule.Kind
    v = {"n": w.measure, "d": w.window_used, "s": w.subject_label, "t": w.threshold_used}
    if w.rule.kind == K.REPEAT_RESPONDENT:
        return _("%(n)d disputes within %(d)d days against %(s)s (threshold %(t)d).") % v
    if w.rule.kind == K.REPEAT_PETITIONER:
        return _("%(n)d letters-and-visits disputes within %(d)d days brought by %(s)s (threshold %(t)d).") % v
    if w.rule.kind == K.CATEGORY_CLUSTER:
        return _("%(n)d disputes of one category within %(d)d days in %(s)s (threshold %(t)d).") % v
    if w.rule.kind == K.WAGE_ARREARS:
        return _("Wage arrears involving %(n)d workers (threshold %(t)d): %(s)s.") % v
    if w.rule.kind == K.FLARE_UP:
        return _("Found flaring up again at %(n)d follow-up visits: %(s)s.") % v
    if w.rule.kind == K.REPEATED_ESCALATION:
        return _("Escalated %(n)d times (threshold %(t)d): %(s)s.") % v
    return _("Flagged by the police or the centre as turning criminal or a mass incident: %(s)s.") % v


# --- the steps ---------------------------------------------------------------------------------


@transaction.atomic
def warning_acknowledge(*, warning: Warning, actor: User, at: datetime.datetime, note: str = "") -> Warning:
    w = _locked(warning)
    _require(rules.can_acknowledge(actor, w))
    w.status, w.acknowledged_at = Status.ACKNOWLEDGED, at
    w.save(update_fields=["status", "acknowledged_at"])
    _event(w, Kind.ACKNOWLEDGED, actor, at, note=(note or "").strip())
    return w


@transaction.atomic
def warning_dispose(
    *,
    warning: Warning,
    actor: User,
    at: datetime.datetime,
    disposal: str,
    handler: User | None = None,
    note: str = "",
) -> Warning:
    """The disposal (研判处置): a lead handler (one of the centres' staff), joint mediation,
    notify the police (the stations covering its cases are told), or no action (with a reason)."""
    w = _locked(warning)
    _require(rules.can_dispose(actor, w))
    D = Warning.Disposal
    note = (note or "").strip()
    _require(disposal in D.values, _("Choose a disposal."), "disposal")
    if disposal == D.LEAD_HANDLER:
        _require(handler is not None, _("Choose the lead handler."), "handler")
        _require(lead_handler_choices(w).filter(pk=handler.pk).exists(), _("Choose the lead handler."), "handler")
    else:
        handler = None
    _require(disposal != D.NO_ACTION or note, _("Say why no action is needed."), "note")
    w.status, w.disposal, w.disposal_note, w.handler = Status.DISPOSING, disposal, note, handler
    w.save(update_fields=["status", "disposal", "disposal_note", "handler"])
    text = " · ".join(x for x in (str(D(disposal).label), handler.display_name if handler else "", note) if x)
    _event(w, Kind.DISPOSED, actor, at, note=text)
    if handler is not None:
        _notify(w, [handler], _("You lead the handling of %(w)s") % {"w": _label(w)}, note, skip=actor)
    if disposal == D.NOTIFY_POLICE:
        _notify(w, station_staff(w), _("The centre asks the police to act on %(w)s") % {"w": _label(w)}, note)
    return w


@transaction.atomic
def warning_link_cases(*, warning: Warning, actor: User, at: datetime.datetime, note: str = "") -> Warning:
    """Link the warning's cases (those ``actor`` may link) into one group of related cases, as
    the ledger's "link" step would one by one: each case shows the others, and the warning's
    timeline names them."""
    from disputes.services import disputes_link

    from .selectors import cases_to_link

    w = _locked(warning)
    _require(rules.can_link_cases(actor, w))
    cases = cases_to_link(actor, w)
    note = (note or "").strip()
    reason = _("Linked from the warning %(w)s") % {"w": _label(w)}
    disputes_link(disputes=cases, actor=actor, at=at, note=f"{reason}: {note}" if note else reason)
    _event(w, Kind.CASES_LINKED, actor, at, note=" · ".join(x for x in (_numbers([d.pk for d in cases]), note) if x))
    return w


@transaction.atomic
def warning_close(*, warning: Warning, actor: User, at: datetime.datetime, note: str) -> Warning:
    w = _locked(warning)
    _require(rules.can_close(actor, w))
    note = (note or "").strip()
    _require(note, _("Say how the warning was dealt with."), "note")
    w.status, w.closed_at, w.close_note = Status.CLOSED, at, note
    w.save(update_fields=["status", "closed_at", "close_note"])
    _event(w, Kind.CLOSED, actor, at, note=note)
    return w


def warning_overdue(w: Warning, at: datetime.datetime) -> str:
    """The overdue sweep's step on an open warning past its deadline: supervised by the
    district centre (挂牌督办) with a renewed deadline, once per deadline.

    1. A conditional UPDATE on (status, deadline) as the sweep read them (``claim``): a
       second worker changes nothing and gets WarningError.
    2. The supervision row, the timeline event and the notifications in the same transaction.
    """
    with transaction.atomic():
        new_due = deadline_after(at, days=w.rule.days_to_handle, day_kind=DayKind.WORKING)
        changes = {"due_at": new_due, "supervised_at": w.supervised_at or at}
        if not w.is_overdue(at) or not claim(w, {"status": w.status, "due_at": w.due_at}, **changes):
            raise WarningError(_("Someone else changed this warning meanwhile; reload it."))
        w.refresh_from_db()
        note = _("Overdue: under supervision by the district centre.")
        SUPERVISION.placed_by_sweep(w, at=at, due_at=new_due, note=note)
        _event(w, Kind.SUPERVISED, None, at, note=note)
        _notify(w, [w.handler, *centre_staff(w)], _("Warning overdue and under supervision: %(w)s") % {"w": _label(w)})
    return SUPERVISED
