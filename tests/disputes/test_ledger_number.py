"""Ledger numbers: MD-<district code>-<year>-<6-digit sequence>, one sequence per district and
year, never the same number twice (rolled back, or two registrations at the same moment)."""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction

from disputes import services as s
from disputes.models import Dispute, LedgerCounter, Party
from govcenter.models import User
from govcenter.services import area_add_or_update
from tests.factories import make_user

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


class Rollback(Exception):
    pass


def register(actor, when=T0, **place):
    return s.dispute_register(
        actor=actor, at=when, source=Dispute.Source.WALK_IN, category=Dispute.Category.NEIGHBOURHOOD,
        summary="邻里纠纷", description="两户因通行问题发生争执。", occurred_on=when.astimezone(TZ).date(),
        parties=[s.PartyData(role=Party.Role.APPLICANT, name="张三")], **place,
    )  # fmt: skip


def test_number_format_and_sequence(world):
    first = register(world.village1_user, village=world.village1)
    second = register(world.grid1_user, grid=world.grid1)
    third = register(world.township2_user, township=world.township2)
    assert [first.number, second.number, third.number] == [
        "MD-330102-2026-000001",
        "MD-330102-2026-000002",
        "MD-330102-2026-000003",
    ]
    assert LedgerCounter.objects.get(district=world.district, year=2026).last == 3


def test_a_new_year_restarts_at_one_counted_in_local_time(world):
    register(world.village1_user, village=world.village1)
    register(world.village1_user, village=world.village1)
    # 00:30 on 1 January in Shanghai is still 31 December in UTC: the local year counts.
    new_year = datetime.datetime(2027, 1, 1, 0, 30, tzinfo=TZ)
    assert new_year.astimezone(datetime.UTC).year == 2026
    d = register(world.village1_user, when=new_year, village=world.village1)
    assert d.number == "MD-330102-2027-000001"
    assert register(world.village1_user, village=world.village1).number == "MD-330102-2026-000003"


def test_another_district_has_its_own_sequence(world):
    other, _ = area_add_or_update(code="330106000000", name="西湖区")
    township, _ = area_add_or_update(code="330106001000", name="北山街道")
    village, _ = area_add_or_update(code="330106001001", name="曙光社区")
    clerk = make_user("clerk_other", User.Role.VILLAGE_CLERK, area=village)
    register(world.village1_user, village=world.village1)
    assert register(clerk, village=village).number == "MD-330106-2026-000001"
    assert register(world.village1_user, village=world.village1).number == "MD-330102-2026-000002"
    assert register(clerk, village=village).number == "MD-330106-2026-000002"
    assert other.district_code == "330106"


def test_a_rolled_back_registration_leaves_no_duplicate(world):
    register(world.village1_user, village=world.village1)
    with pytest.raises(Rollback), transaction.atomic():
        rolled_back = register(world.village1_user, village=world.village1)
        assert rolled_back.number == "MD-330102-2026-000002"
        raise Rollback
    # The counter rolled back with the dispute: the number is given out again, once.
    again = register(world.village1_user, village=world.village1)
    later = register(world.village1_user, village=world.village1)
    assert [again.number, later.number] == ["MD-330102-2026-000002", "MD-330102-2026-000003"]
    numbers = list(Dispute.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


def test_a_refused_registration_takes_no_number(world):
    with pytest.raises(s.DisputeError):
        register(world.village2_user, village=world.village1)  # another village's clerk
    assert not LedgerCounter.objects.exists()
    assert register(world.village1_user, village=world.village1).number.endswith("-000001")


# --- two registrations at the same moment (PostgreSQL) ------------------------------------------

N = 20


def _run_in_threads(work, n_threads: int = 2) -> list[list[str]]:
    """Run ``work(i)`` in ``n_threads`` threads that start together; each thread has its own
    database connection (Django's connections are per thread), closed when it ends."""
    barrier = threading.Barrier(n_threads, timeout=30)
    results: list[list[str]] = [[] for _ in range(n_threads)]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as e:  # re-raised in the main thread
            errors.append(e)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_share_a_number(world):
    actors = [(world.grid1_user, {"grid": world.grid1}), (world.village2_user, {"village": world.village2})]

    def work(i: int) -> list[str]:
        actor, place = actors[i]
        actor = User.objects.get(pk=actor.pk)  # a fresh object per thread
        return [register(actor, **place).number for _ in range(N)]

    per_thread = _run_in_threads(work)
    numbers = [n for thread in per_thread for n in thread]
    assert len(numbers) == 2 * N
    assert len(set(numbers)) == 2 * N
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 2 * N + 1))
    for thread in per_thread:  # each thread saw its own numbers rise
        assert thread == sorted(thread)
    assert Dispute.objects.count() == 2 * N
    assert LedgerCounter.objects.get(district=world.district, year=2026).last == 2 * N


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_counter_increments_in_separate_transactions(world):

    def work(i: int) -> list[str]:
        numbers = []
        for _ in range(N):
            with transaction.atomic():
                numbers.append(s.ledger_number_next(district=world.district, year=2026))
        return numbers

    numbers = [n for thread in _run_in_threads(work) for n in thread]
    assert sorted(numbers) == [f"MD-330102-2026-{k:06d}" for k in range(1, 2 * N + 1)]
