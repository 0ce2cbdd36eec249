"""Early warning (预警): what each rule finds, for one dispute (incremental, after a change)
and over the whole ledger (the nightly sweep).

Each kind of ``WarningRule`` has two functions here:

- ``<kind>_for(rule, dispute, at) -> list[Finding]``: whether the rule fires for ``dispute``
  now, and with which cases (a dispute with two respondents may fire twice);
- ``<kind>_sweep(rule, at) -> Iterator[Finding]``: every subject the rule fires for, found
  with grouped queries (``values().annotate(Count).filter(n__gte=...)``) iterated with
  ``.iterator()``: the ledger (a province's million disputes) is never loaded; only the
  subjects that fire are, one at a time with their cases.

A finding is raised by ``services.warning_raise`` (one open warning per rule and subject).
Windows are counted back from ``at`` ("3 disputes registered within the last 180 days"), so
the incremental check and the sweep agree on what is inside.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Q

from disputes.models import Dispute, DisputeEvent, FollowUp, Party, PoliceReview
from govcenter.levels import Level, local_date

from .models import WarningRule

Kind = WarningRule.Kind
# The escalations that count: moves up to a higher centre (an assignment to a department or a
# township unit is 交办, not 上报).
ESCALATION_LEVELS = (Level.TOWNSHIP, Level.DISTRICT)


@dataclass
class Finding:
    """A rule firing for one subject: the cases behind it and the figure compared."""

    rule: WarningRule
    subject_key: str
    subject_label: str
    dispute_ids: list[int]
    measure: int
    threshold: int
    window_days: int = 0
    extra: dict = field(default_factory=dict)


# --- the Spring Festival --------------------------------------------------------------------

# 正月初一 (the lunar new year's day) for the years after those the statutory calendar holds:
# the State Council publishes each year's holidays in the November before, so neither the
# portal's calendar (CalendarDay, seeded from chinesecalendar) nor the package knows a later
# year's 春节 yet, while wage arrears before it must still be watched.
LUNAR_NEW_YEAR = {
    2024: datetime.date(2024, 2, 10),
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
    2028: datetime.date(2028, 1, 26),
    2029: datetime.date(2029, 2, 13),
    2030: datetime.date(2030, 2, 3),
    2031: datetime.date(2031, 1, 23),
    2032: datetime.date(2032, 2, 11),
    2033: datetime.date(2033, 1, 31),
    2034: datetime.date(2034, 2, 19),
    2035: datetime.date(2035, 2, 8),
}
SPRING_FESTIVAL_NAMES = ("春节", "Spring Festival")


def spring_festival(year: int) -> datetime.date | None:
    """The first day of ``year``'s Spring Festival: the first rest day named 春节 in the
    portal's working-day calendar (what the administrator entered), else the lunar new year
    from ``LUNAR_NEW_YEAR``; None for a year neither knows."""
    from govcenter.models import CalendarDay

    first = (
        CalendarDay.objects.filter(date__year=year, kind=CalendarDay.Kind.REST, name__in=SPRING_FESTIVAL_NAMES)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    return first or LUNAR_NEW_YEAR.get(year)


def before_spring_festival(day: datetime.date, weeks: int) -> datetime.date | None:
    """The Spring Festival ``day`` lies within ``weeks`` weeks before (on the day itself
    included), or None."""
    if weeks <= 0:
        return None
    for year in (day.year, day.year + 1):
        festival = spring_festival(year)
        if festival is not None and festival - datetime.timedelta(weeks=weeks) <= day <= festival:
            return festival
    return None


def wage_threshold(rule: WarningRule, at: datetime.datetime) -> tuple[int, datetime.date | None]:
    """The number of workers that makes a wage case fire at ``at``, and the festival if the
    lower threshold applies."""
    festival = before_spring_festival(local_date(at), rule.festival_weeks) if rule.festival_threshold else None
    if festival is not None:
        return min(rule.threshold, rule.festival_threshold), festival
    return rule.threshold, None


# --- helpers ---------------------------------------------------------------------------------


def _since(rule: WarningRule, at: datetime.datetime) -> datetime.datetime:
    return at - datetime.timedelta(days=rule.window_days)


def _in_window(rule: WarningRule, at: datetime.datetime, prefix: str = "") -> Q:
    """Disputes registered within the rule's window, up to ``at`` (``prefix``: the path to the dispute)."""
    return Q(**{f"{prefix}registered_at__gt": _since(rule, at), f"{prefix}registered_at__lte": at})


def _already_warned(rule: WarningRule, path: str = "pk") -> Q:
    """The disputes already behind a warning of ``rule`` (``path``: the path to the dispute's
    id). For the rules about one dispute, whose only case is the dispute itself, the sweep
    leaves them out: the raise path would find nothing new for them (an open warning has the
    case; a closed one is not raised again by it), and a night's sweep should not re-read
    every one of them."""
    from .models import WarningCase

    return Q(**{f"{path}__in": WarningCase.objects.filter(warning__rule=rule).values("dispute_id")})


def _party_label(match_key: str, role: str) -> str:
    name = (
        Party.objects.filter(match_key=match_key, role=role)
        .order_by("-dispute__registered_at", "-pk")
        .values_list("name", flat=True)
        .first()
    )
    return name or match_key


def _dispute_label(dispute_id: int) -> str:
    row = Dispute.objects.filter(pk=dispute_id).values_list("number", "summary").first()
    return f"{row[0]} {row[1]}" if row else str(dispute_id)


def _party_finding(rule: WarningRule, at: datetime.datetime, key: str, role: str, extra: Q) -> Finding | None:
    window = _in_window(rule, at, "dispute__")
    ids = sorted(
        set(
            Party.objects.filter(window, extra, match_key=key, role=role)
            .order_by()
            .values_list("dispute_id", flat=True)
            .distinct()
        )
    )
    if len(ids) < rule.threshold:
        return None
    return Finding(rule, f"party:{key}", _party_label(key, role), ids, len(ids), rule.threshold, rule.window_days)


def _party_keys_sweep(rule: WarningRule, at: datetime.datetime, role: str, extra: Q) -> Iterator[Finding]:
    window = _in_window(rule, at, "dispute__")
    keys = (
        Party.objects.filter(window, extra, role=role)
        .exclude(match_key="")
        .order_by()
        .values("match_key")
        .annotate(n=Count("dispute", distinct=True))
        .filter(n__gte=rule.threshold)
        .values_list("match_key", flat=True)
    )
    for chunk in _chunked(keys.iterator(chunk_size=SWEEP_CHUNK)):
        yield from _party_findings(rule, at, chunk, role, extra)


SWEEP_CHUNK = 500


def _chunked(items: Iterable, size: int = SWEEP_CHUNK) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _party_findings(rule: WarningRule, at, keys: list[str], role: str, extra: Q) -> Iterator[Finding]:
    """``_party_finding`` for many keys in two queries: their cases in the window, and their
    labels (each key's newest name, as ``_party_label``)."""
    window = _in_window(rule, at, "dispute__")
    cases: dict[str, set[int]] = {}
    for key, dispute_id in (
        Party.objects.filter(window, extra, match_key__in=keys, role=role)
        .order_by()
        .values_list("match_key", "dispute_id")
    ):
        cases.setdefault(key, set()).add(dispute_id)
    newest: dict[str, tuple] = {}
    for key, name, registered_at, pk in Party.objects.filter(match_key__in=keys, role=role).values_list(
        "match_key", "name", "dispute__registered_at", "pk"
    ):
        if key not in newest or (registered_at, pk) > newest[key][:2]:
            newest[key] = (registered_at, pk, name)
    for key in keys:
        ids = sorted(cases.get(key, ()))
        if len(ids) >= rule.threshold:
            label = newest[key][2] if key in newest and newest[key][2] else key
            yield Finding(rule, f"party:{key}", label, ids, len(ids), rule.threshold, rule.window_days)


def _party_keys_of(dispute: Dispute, role: str) -> list[str]:
    return sorted(set(dispute.parties.filter(role=role).exclude(match_key="").values_list("match_key", flat=True)))


# --- repeat respondent ------------------------------------------------------------------------


def repeat_respondent_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    found = [_party_finding(rule, at, key, Party.Role.RESPONDENT, Q()) for key in _party_keys_of(dispute, "respondent")]
    return [f for f in found if f is not None]


def repeat_respondent_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    return _party_keys_sweep(rule, at, Party.Role.RESPONDENT, Q())


# --- repeat petitioner (信访) -------------------------------------------------------------------

_LETTERS = Q(dispute__source=Dispute.Source.LETTERS_VISITS)


def repeat_petitioner_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    if dispute.source != Dispute.Source.LETTERS_VISITS:
        return []
    found = [
        _party_finding(rule, at, key, Party.Role.APPLICANT, _LETTERS) for key in _party_keys_of(dispute, "applicant")
    ]
    return [f for f in found if f is not None]


def repeat_petitioner_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    return _party_keys_sweep(rule, at, Party.Role.APPLICANT, _LETTERS)


# --- wage arrears -----------------------------------------------------------------------------


def _wage_finding(rule: WarningRule, dispute_id: int, people: int, threshold: int, festival) -> Finding:
    return Finding(
        rule,
        f"dispute:{dispute_id}",
        _dispute_label(dispute_id),
        [dispute_id],
        people,
        threshold,
        extra={"festival": festival.isoformat()} if festival else {},
    )


def wage_arrears_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    threshold, festival = wage_threshold(rule, at)
    if (
        dispute.category != Dispute.Category.LABOUR_WAGES
        or dispute.status not in Dispute.OPEN_STATUSES
        or (dispute.people_involved or 0) < threshold
    ):
        return []
    return [_wage_finding(rule, dispute.pk, dispute.people_involved, threshold, festival)]


def wage_arrears_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    threshold, festival = wage_threshold(rule, at)
    rows = (
        Dispute.objects.open()
        .filter(category=Dispute.Category.LABOUR_WAGES, people_involved__gte=threshold)
        .exclude(_already_warned(rule))
        .order_by("pk")
        .values_list("pk", "people_involved")
    )
    for pk, people in rows.iterator(chunk_size=2000):
        yield _wage_finding(rule, pk, people, threshold, festival)


# --- category cluster -------------------------------------------------------------------------


def _cluster_finding(rule: WarningRule, at, village_id: int, category: str) -> Finding | None:
    ids = list(
        Dispute.objects.filter(_in_window(rule, at), village_id=village_id, category=category)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(ids) < rule.threshold:
        return None
    from govcenter.models import Area

    village = Area.objects.filter(pk=village_id).values_list("name", flat=True).first() or ""
    label = f"{village} · {Dispute.Category(category).label}"
    return Finding(rule, f"village:{village_id}:{category}", label, ids, len(ids), rule.threshold, rule.window_days)


def category_cluster_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    if dispute.village_id is None:
        return []
    found = _cluster_finding(rule, at, dispute.village_id, dispute.category)
    return [found] if found else []


def category_cluster_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    groups = (
        Dispute.objects.filter(_in_window(rule, at), village__isnull=False)
        .order_by()
        .values("village_id", "category")
        .annotate(n=Count("pk"))
        .filter(n__gte=rule.threshold)
        .values_list("village_id", "category")
    )
    for chunk in _chunked(groups.iterator(chunk_size=SWEEP_CHUNK)):
        yield from _cluster_findings(rule, at, chunk)


def _cluster_findings(rule: WarningRule, at, groups: list[tuple[int, str]]) -> Iterator[Finding]:
    """``_cluster_finding`` for many (village, category) groups in two queries."""
    from govcenter.models import Area

    wanted = set(groups)
    villages = {village_id for village_id, _category in groups}
    cases: dict[tuple[int, str], list[int]] = {}
    for village_id, category, pk in (
        Dispute.objects.filter(_in_window(rule, at), village_id__in=villages)
        .order_by("pk")
        .values_list("village_id", "category", "pk")
    ):
        if (village_id, category) in wanted:
            cases.setdefault((village_id, category), []).append(pk)
    names = dict(Area.objects.filter(pk__in=villages).values_list("pk", "name"))
    for village_id, category in groups:
        ids = cases.get((village_id, category), [])
        if len(ids) >= rule.threshold:
            label = f"{names.get(village_id, '')} · {Dispute.Category(category).label}"
            key = f"village:{village_id}:{category}"
            yield Finding(rule, key, label, ids, len(ids), rule.threshold, rule.window_days)


# --- flare-up at a follow-up ------------------------------------------------------------------


def _flares(rule: WarningRule, at: datetime.datetime):
    flares = FollowUp.objects.filter(finding=FollowUp.Finding.FLARED, visited_on__isnull=False)
    if rule.window_days:
        flares = flares.filter(visited_on__gt=local_date(at) - datetime.timedelta(days=rule.window_days))
    return flares.filter(visited_on__lte=local_date(at))


def _single(rule: WarningRule, dispute_id: int, measure: int, threshold: int | None = None) -> Finding:
    threshold = rule.threshold if threshold is None else threshold
    return Finding(
        rule, f"dispute:{dispute_id}", _dispute_label(dispute_id), [dispute_id], measure, threshold, rule.window_days
    )


def flare_up_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    n = _flares(rule, at).filter(dispute=dispute).count()
    return [_single(rule, dispute.pk, n)] if n >= max(rule.threshold, 1) else []


def flare_up_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    rows = (
        _flares(rule, at)
        .exclude(_already_warned(rule, "dispute_id"))
        .order_by()
        .values("dispute_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=max(rule.threshold, 1))
        .values_list("dispute_id", "n")
    )
    for dispute_id, n in rows.iterator(chunk_size=2000):
        yield _single(rule, dispute_id, n)


# --- repeated escalation ----------------------------------------------------------------------


def _escalations():
    return DisputeEvent.objects.filter(
        kind=DisputeEvent.Kind.ESCALATED,
        to_level__in=ESCALATION_LEVELS,
        dispute__status__in=Dispute.OPEN_STATUSES,
    )


def repeated_escalation_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    n = _escalations().filter(dispute=dispute).count()
    return [_single(rule, dispute.pk, n)] if n >= rule.threshold else []


def repeated_escalation_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    rows = (
        _escalations()
        .exclude(_already_warned(rule, "dispute_id"))
        .order_by()
        .values("dispute_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rule.threshold)
        .values_list("dispute_id", "n")
    )
    for dispute_id, n in rows.iterator(chunk_size=2000):
        yield _single(rule, dispute_id, n)


# --- police flags -----------------------------------------------------------------------------


def _flagged() -> Q:
    """民转刑 or mass incident: the clerk's risk flags or a police review's."""
    reviews = PoliceReview.objects.filter(Q(flags_mass_incident=True) | Q(flags_criminal_risk=True))
    return Q(risk_criminal=True) | Q(risk_mass_incident=True) | Q(pk__in=reviews.values("dispute_id"))


def police_flag_for(rule: WarningRule, dispute: Dispute, at: datetime.datetime) -> list[Finding]:
    if not Dispute.objects.open().filter(_flagged(), pk=dispute.pk).exists():
        return []
    return [_single(rule, dispute.pk, 1, threshold=1)]


def police_flag_sweep(rule: WarningRule, at: datetime.datetime) -> Iterator[Finding]:
    rows = (
        Dispute.objects.open()
        .filter(_flagged())
        .exclude(_already_warned(rule))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in rows.iterator(chunk_size=2000):
        yield _single(rule, pk, 1, threshold=1)


# --- the table --------------------------------------------------------------------------------

FOR_DISPUTE: dict[str, Callable[[WarningRule, Dispute, datetime.datetime], list[Finding]]] = {
    Kind.REPEAT_RESPONDENT: repeat_respondent_for,
    Kind.WAGE_ARREARS: wage_arrears_for,
    Kind.CATEGORY_CLUSTER: category_cluster_for,
    Kind.FLARE_UP: flare_up_for,
    Kind.REPEATED_ESCALATION: repeated_escalation_for,
    Kind.POLICE_FLAG: police_flag_for,
    Kind.REPEAT_PETITIONER: repeat_petitioner_for,
}
SWEEP: dict[str, Callable[[WarningRule, datetime.datetime], Iterator[Finding]]] = {
    Kind.REPEAT_RESPONDENT: repeat_respondent_sweep,
    Kind.WAGE_ARREARS: wage_arrears_sweep,
    Kind.CATEGORY_CLUSTER: category_cluster_sweep,
    Kind.FLARE_UP: flare_up_sweep,
    Kind.REPEATED_ESCALATION: repeated_escalation_sweep,
    Kind.POLICE_FLAG: police_flag_sweep,
    Kind.REPEAT_PETITIONER: repeat_petitioner_sweep,
}


def findings_for(dispute: Dispute, at: datetime.datetime) -> Iterator[Finding]:
    """What every enabled rule finds for ``dispute`` now."""
    for rule in WarningRule.objects.filter(enabled=True).order_by("kind"):
        yield from FOR_DISPUTE[rule.kind](rule, dispute, at)


def sweep_findings(at: datetime.datetime, *, kinds: list[str] | None = None) -> Iterator[Finding]:
    """What every enabled rule (of ``kinds``) finds over the whole ledger now."""
    rules = WarningRule.objects.filter(enabled=True).order_by("kind")
    if kinds:
        rules = rules.filter(kind__in=kinds)
    for rule in rules:
        yield from SWEEP[rule.kind](rule, at)
