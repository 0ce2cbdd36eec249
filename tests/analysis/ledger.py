"""A hand-made ledger with known answers for the statistics tests, and an independent
recount of every figure in plain Python over the rows (not the queries of analysis.figures)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from analysis.figures import Period
from disputes import services as s
from disputes.models import Dispute, FollowUp
from tests.disputes.helpers import at, register

NOVEMBER = Period.of_dates(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
NOW = at(20)  # 2026-11-22 09:00, within November


def build_ledger(w) -> SimpleNamespace:
    """In township1 (village1 unless said): cases driven through the real services, in November 2026."""
    c = SimpleNamespace()
    v, t = w.village1_user, w.township1_user
    # Escalated to the township and resolved there.
    c.township = register(w.grid1_user, grid=w.grid1, category="land_boundary")
    s.dispute_accept(dispute=c.township, actor=v, at=at(1))
    s.dispute_escalate(dispute=c.township, actor=v, reason="上报", at=at(1, 1))
    s.dispute_accept(dispute=c.township, actor=t, at=at(2))
    s.dispute_resolve(dispute=c.township, actor=t, at=at(3), result="已调处")
    # Resolved at the village, with a stable follow-up visit.
    c.village = register(w.grid1_user, grid=w.grid1)
    s.dispute_accept(dispute=c.village, actor=v, at=at(1))
    s.dispute_resolve(dispute=c.village, actor=v, at=at(2), result="已调解")
    s.dispute_record_follow_up(
        dispute=c.village,
        follow_up=c.village.follow_ups.first(),
        actor=v,
        at=at(12),
        visited_on=at(12).date(),
        finding=FollowUp.Finding.STABLE,
    )
    # Transferred to the police.
    c.police = register(w.grid1_user, grid=w.grid1, source="walk_in", risk_level="major")
    s.dispute_accept(dispute=c.police, actor=v, at=at(1))
    s.dispute_transfer_to_police(dispute=c.police, actor=v, at=at(2), station=w.station, reason="涉嫌刑事")
    # Closed unresolved, referred to court.
    c.court = register(w.grid1_user, grid=w.grid1, category="labour_wages")
    s.dispute_accept(dispute=c.court, actor=v, at=at(1))
    s.dispute_close_unresolved(
        dispute=c.court,
        actor=v,
        at=at(3),
        result="调解不成",
        referral="litigation",
        court="清溪区人民法院",
        referred_on=at(3).date(),
    )
    # Open and overdue by NOW (a village has 7 days), under supervision.
    c.overdue = register(w.grid1_user, grid=w.grid1, source="walk_in")
    s.dispute_accept(dispute=c.overdue, actor=v, at=at(1))
    Dispute.objects.filter(pk=c.overdue.pk).update(supervised_at=at(15))
    # Resolved at the village, then flared up at the follow-up: reopened, open again.
    c.flared = register(w.grid2_user, grid=w.grid2)
    s.dispute_accept(dispute=c.flared, actor=w.village2_user, at=at(1))
    s.dispute_resolve(dispute=c.flared, actor=w.village2_user, at=at(2), result="已调解")
    s.dispute_record_follow_up(
        dispute=c.flared,
        follow_up=c.flared.follow_ups.first(),
        actor=w.village2_user,
        at=at(13),
        visited_on=at(13).date(),
        finding=FollowUp.Finding.FLARED,
    )
    # Registered by the township itself in October, resolved in November after its due date.
    c.late = register(t, village=w.village2, when=at(-25), category="land_boundary")
    s.dispute_accept(dispute=c.late, actor=t, at=at(-24))
    s.dispute_resolve(dispute=c.late, actor=t, at=at(4), result="已调处")
    # Registered in December (after the period): counted in no November figure but "open now".
    c.december = register(w.grid1_user, grid=w.grid1, when=at(30))
    # In township2: outside township1's jurisdiction.
    c.elsewhere = register(w.village3_user, village=w.village3, grid=w.grid3)
    s.dispute_accept(dispute=c.elsewhere, actor=w.village3_user, at=at(1))
    s.dispute_resolve(dispute=c.elsewhere, actor=w.village3_user, at=at(2), result="已调解")
    return c


RESOLVED = {"resolved", "archived"}
CLOSED = RESOLVED | {"not_resolved", "transferred_to_police"}
OPEN = {"registered", "accepted", "in_mediation", "awaiting_confirmation"}


def recount(disputes, period: Period, now: datetime.datetime) -> dict:
    """Every figure recomputed row by row from ``disputes`` (Dispute instances)."""

    def within(moment):
        return moment is not None and period.start <= moment < period.end

    closed = [d for d in disputes if d.status in CLOSED and within(d.resolved_at)]
    resolved = [d for d in closed if d.status in RESOLVED]
    not_resolved = [d for d in closed if d.status == "not_resolved"]
    opened = [d for d in disputes if d.status in OPEN]
    village_closed = [d for d in closed if d.registered_level == "village"]
    ids = {d.pk for d in disputes}
    visits = [
        f
        for f in FollowUp.objects.all()
        if f.dispute_id in ids and f.visited_on and period.first <= f.visited_on <= period.last
    ]
    followed = {f.dispute_id for f in visits}
    flared = {f.dispute_id for f in visits if f.finding == "flared"}

    def share(part, whole):
        return len(part) / len(whole) if whole else None

    return {
        "registered": sum(within(d.registered_at) for d in disputes),
        "closed": len(closed),
        "resolved": len(resolved),
        "not_resolved": len(not_resolved),
        "transferred": sum(d.status == "transferred_to_police" for d in closed),
        "open": len(opened),
        "overdue": sum(d.due_at is not None and d.due_at < now for d in opened),
        "supervised": sum(d.supervised_at is not None for d in opened),
        "resolution_rate": share(resolved, resolved + not_resolved),
        "on_time_rate": share([d for d in closed if d.due_at is None or d.resolved_at <= d.due_at], closed),
        "village_rate": share(
            [d for d in village_closed if d.status in RESOLVED and d.result_level == "village"], village_closed
        ),
        "township_rate": share([d for d in resolved if d.result_level in ("village", "township", "town_unit")], closed),
        "repeat_rate": share(flared, followed),
    }
