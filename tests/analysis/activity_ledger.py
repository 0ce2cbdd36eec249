"""Hand-made sentiment logs, agency matters and publicity with known answers for the
statistics page's activity tables (analysis.activity), and an independent recount of every
figure in plain Python over the rows."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from analysis.figures import Period
from sentiment.models import AgencyMatter, Log
from tests.publicity import helpers as p

TZ = ZoneInfo("Asia/Shanghai")
# The publicity helpers distribute on 2026-05-25 and hold activities in June.
MAY_JUNE = Period.of_dates(datetime.date(2026, 5, 1), datetime.date(2026, 6, 30))


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _place(w, grid) -> dict:
    village = grid.village
    township = w.township1 if village in (w.village1, w.village2) else w.township2
    return {"grid": grid, "village": village, "township": township, "district": w.district}


def make_log(w, grid, *, kind="visit", category="subsistence", occurred_at, status="filed", **kw) -> Log:
    return Log.objects.create(
        **_place(w, grid),
        recorded_by=w.grid1_user,
        occurred_at=occurred_at,
        kind=kind,
        category=category,
        matter="走访",
        status=status,
        **kw,
    )


def make_matter(w, log, *, created_at, due_on, completed_at=None, matter_type="subsistence") -> AgencyMatter:
    return AgencyMatter.objects.create(
        log=log,
        **_place(w, log.grid),
        person_name="王大明",
        matter_type=matter_type,
        due_on=due_on,
        assignee=w.grid1_user,
        status="done" if completed_at else "open",
        completed_at=completed_at,
        created_at=created_at,
    )


def build_logs(w) -> SimpleNamespace:
    """Logs and agency matters around November 2026 (NOW is 2026-11-22 09:00)."""
    c = SimpleNamespace()
    g1, g2, g3 = w.grid1, w.grid2, w.grid3
    c.filed = make_log(w, g1, occurred_at=local(11, 3))
    c.first_minute = make_log(w, g1, occurred_at=local(11, 1, 0, 0))  # in November
    c.december = make_log(w, g1, occurred_at=local(12, 1, 0, 0))  # not in November
    c.handled = make_log(
        w, g1, category="dispute", occurred_at=local(11, 5), status="fed_back", fed_back_at=local(11, 10)
    )
    c.handled_only = make_log(
        w,
        g2,
        kind="inspection",
        category="security_hazard",
        occurred_at=local(10, 20),
        status="fed_back",
        fed_back_at=local(11, 2),
    )
    c.overdue = make_log(
        w, g1, kind="incident", category="security_hazard", occurred_at=local(11, 8), status="in_hand",
        level="township", due_at=local(11, 15),
    )  # fmt: skip
    c.open = make_log(w, g2, category="other", occurred_at=local(10, 1), status="new", due_at=local(12, 1))
    # Fed back, then the parties were unsatisfied: back in hand, no longer handled.
    c.back = make_log(
        w, g1, category="hardship", occurred_at=local(10, 28), status="in_hand", fed_back_at=local(11, 12),
        due_at=local(12, 20),
    )  # fmt: skip
    c.october = make_log(w, g1, occurred_at=local(10, 28), status="fed_back", fed_back_at=local(10, 30))
    c.elsewhere = make_log(w, g3, occurred_at=local(11, 3))
    c.elsewhere_open = make_log(w, g3, occurred_at=local(11, 3), status="new", due_at=local(11, 4))

    f = c.filed
    day = datetime.date
    c.on_time = make_matter(w, f, created_at=local(11, 3), due_on=day(2026, 11, 10), completed_at=local(11, 10, 23))
    # 00:30 local on the 11th is the 10th in UTC: late all the same.
    c.late = make_matter(
        w,
        f,
        created_at=local(11, 3),
        due_on=day(2026, 11, 10),
        completed_at=local(11, 11, 0, 30),
        matter_type="pension",
    )
    c.done_from_october = make_matter(
        w, f, created_at=local(10, 20), due_on=day(2026, 10, 27), completed_at=local(11, 2)
    )
    c.open_overdue = make_matter(w, f, created_at=local(11, 15), due_on=day(2026, 11, 20), matter_type="pension")
    c.open_later = make_matter(w, c.open, created_at=local(10, 1), due_on=day(2026, 12, 25))
    c.done_december = make_matter(w, f, created_at=local(11, 5), due_on=day(2026, 12, 9), completed_at=local(12, 2))
    c.matter_elsewhere = make_matter(w, c.elsewhere, created_at=local(11, 3), due_on=day(2026, 11, 4))
    return c


def build_publicity(w) -> SimpleNamespace:
    """A campaign distributed to township 1 (both its villages) and handed to village 1's two
    grids, with three activities; one distributed to township 2 only, without activities."""
    from publicity.models import Assignment

    c = SimpleNamespace()
    c.campaign = p.handed_out(w)
    a1 = Assignment.objects.get(campaign=c.campaign, grid=w.grid1)
    c.activities = [
        p.activity(w, a1, participants=12, households=5, days=1),
        p.activity(w, a1, participants=30, households=9, days=3, form="centralised"),
        p.activity(w, a1, participants=7, households=2, days=40),  # July: after the period
    ]
    c.other = p.distributed(w, areas=[w.township2], title="防溺水宣传")
    return c


# --- the recount -------------------------------------------------------------------------------

OPEN_FLOW = {"new", "reported_up", "in_hand"}


def recount_logs(logs, period: Period, now: datetime.datetime) -> dict:
    def within(moment):
        return moment is not None and period.start <= moment < period.end

    opened = [log for log in logs if log.status in OPEN_FLOW]
    return {
        "filed": sum(within(log.occurred_at) for log in logs),
        "handled": sum(log.status == "fed_back" and within(log.fed_back_at) for log in logs),
        "open": len(opened),
        "overdue": sum(log.due_at is not None and log.due_at < now for log in opened),
    }


def recount_agency(matters, period: Period, now: datetime.datetime) -> dict:
    def within(moment):
        return moment is not None and period.start <= moment < period.end

    today = now.astimezone(TZ).date()
    done = [m for m in matters if m.status == "done" and within(m.completed_at)]
    on_time = [m for m in done if m.completed_at.astimezone(TZ).date() <= m.due_on]
    opened = [m for m in matters if m.status == "open"]
    return {
        "registered": sum(within(m.created_at) for m in matters),
        "done": len(done),
        "on_time": len(on_time),
        "on_time_rate": len(on_time) / len(done) if done else None,
        "open": len(opened),
        "overdue": sum(m.due_on < today for m in opened),
    }


def recount_publicity(activities, distributions, period: Period) -> dict:
    """Totals over Activity and VillageDistribution instances."""
    held = [a for a in activities if period.first <= a.held_on <= period.last]
    sent = [d for d in distributions if period.start <= d.distributed_at < period.end]
    return {
        "activities": len(held),
        "participants": sum(a.log.participants or 0 for a in held),
        "households": sum(a.log.households_reached or 0 for a in held),
        "villages": len(sent),
        "campaigns_distributed": len({d.campaign_id for d in sent}),
    }
