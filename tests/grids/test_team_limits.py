"""One community police officer and at most two auxiliaries per grid at a time: through the
service, through the page, and (on PostgreSQL) under two simultaneous requests."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections
from django.urls import reverse

from grids.models import GridMembership
from grids.services import TeamError, membership_add, membership_end
from tests.factories import build_world, make_user

Duty = GridMembership.Duty
DAY = datetime.date(2026, 1, 10)


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def police(world, name):
    return make_user(name, "community_police", police_station=world.station)


def aux(world, name):
    return make_user(name, "auxiliary_police", police_station=world.station)


def active(grid, duty):
    return GridMembership.objects.filter(grid=grid, duty=duty, ended_on__isnull=True).count()


def test_second_community_police_officer_is_refused_by_the_service(world):
    with pytest.raises(TeamError, match="already has a community police officer"):
        membership_add(grid=world.grid1, user=police(world, "police9"), duty=Duty.COMMUNITY_POLICE, started_on=DAY)
    assert active(world.grid1, Duty.COMMUNITY_POLICE) == 1


def test_third_auxiliary_is_refused_by_the_service(world):
    membership_add(grid=world.grid1, user=aux(world, "aux2"), duty=Duty.AUXILIARY_POLICE, started_on=DAY)
    with pytest.raises(TeamError, match="already has two auxiliary police officers"):
        membership_add(grid=world.grid1, user=aux(world, "aux3"), duty=Duty.AUXILIARY_POLICE, started_on=DAY)
    assert active(world.grid1, Duty.AUXILIARY_POLICE) == 2


def test_grid_workers_have_no_limit(world):
    for i in range(4):
        worker = make_user(f"worker{i}", "grid_worker", area=world.village1)
        membership_add(grid=world.grid1, user=worker, duty=Duty.GRID_WORKER, started_on=DAY)
    assert active(world.grid1, Duty.GRID_WORKER) == 5


def test_the_same_person_cannot_serve_twice_at_once(world):
    with pytest.raises(TeamError, match="already serves in this grid"):
        membership_add(grid=world.grid1, user=world.aux1, duty=Duty.AUXILIARY_POLICE, started_on=DAY)


def test_ending_a_membership_frees_the_police_slot(world):
    old = GridMembership.objects.get(user=world.police1, grid=world.grid1)
    membership_end(membership=old, ended_on=DAY)
    new = membership_add(grid=world.grid1, user=police(world, "police9"), duty=Duty.COMMUNITY_POLICE, started_on=DAY)
    assert new.slot == 1
    assert active(world.grid1, Duty.COMMUNITY_POLICE) == 1
    # History is kept: both memberships remain.
    assert GridMembership.objects.filter(grid=world.grid1, duty=Duty.COMMUNITY_POLICE).count() == 2


def test_ending_one_of_two_auxiliaries_frees_a_slot(world):
    second = membership_add(grid=world.grid1, user=aux(world, "aux2"), duty=Duty.AUXILIARY_POLICE, started_on=DAY)
    membership_end(membership=GridMembership.objects.get(user=world.aux1), ended_on=DAY)
    third = membership_add(grid=world.grid1, user=aux(world, "aux3"), duty=Duty.AUXILIARY_POLICE, started_on=DAY)
    assert {second.slot, third.slot} == {1, 2}


def test_membership_cannot_end_twice(world):
    membership = GridMembership.objects.get(user=world.aux1)
    membership_end(membership=membership, ended_on=DAY)
    with pytest.raises(TeamError, match="already ended"):
        membership_end(membership=membership, ended_on=DAY)


def test_second_police_officer_is_refused_through_the_page_with_the_message(world, login):
    newcomer = police(world, "police9")
    response = login(world.village1_user).post(
        reverse("grids:membership_add", args=[world.grid1.pk]),
        {"duty": "community_police", "user": newcomer.pk, "started_on": "2026-01-10", "note": "轮岗"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This grid already has a community police officer. End that membership first." in html
    assert 'value="轮岗"' in html
    assert not GridMembership.objects.filter(user=newcomer).exists()


def test_third_auxiliary_is_refused_through_the_page_with_the_message(world, login):
    membership_add(grid=world.grid1, user=aux(world, "aux2"), duty=Duty.AUXILIARY_POLICE, started_on=DAY)
    newcomer = aux(world, "aux3")
    response = login(world.village1_user).post(
        reverse("grids:membership_add", args=[world.grid1.pk]),
        {"duty": "auxiliary_police", "user": newcomer.pk, "started_on": "2026-01-10"},
    )
    assert response.status_code == 200
    assert "already has two auxiliary police officers" in response.content.decode()
    assert active(world.grid1, Duty.AUXILIARY_POLICE) == 2


def test_after_ending_through_the_page_a_new_officer_can_be_added(world, login):
    client = login(world.village1_user)
    old = GridMembership.objects.get(user=world.police1, grid=world.grid1)
    assert client.post(reverse("grids:membership_end", args=[old.pk]), {"ended_on": "2026-01-10"}).status_code == 302
    newcomer = police(world, "police9")
    response = client.post(
        reverse("grids:membership_add", args=[world.grid1.pk]),
        {"duty": "community_police", "user": newcomer.pk, "started_on": "2026-01-10"},
    )
    assert response.status_code == 302
    assert (
        GridMembership.objects.get(grid=world.grid1, duty=Duty.COMMUNITY_POLICE, ended_on__isnull=True).user == newcomer
    )


def test_grid_detail_hides_the_add_link_for_a_full_slot(world, login):
    html = login(world.village1_user).get(reverse("grids:grid_detail", args=[world.grid1.pk])).content.decode()
    assert "?duty=community_police" not in html  # grid 1 has its officer
    assert "?duty=auxiliary_police" in html  # one auxiliary of two


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_for_the_last_police_slot_give_exactly_one_officer():
    world = build_world()
    grid = world.grid1b  # no community police officer yet
    candidates = [police(world, "police8"), police(world, "police9")]
    barrier = threading.Barrier(len(candidates))
    results: list[object] = []
    lock = threading.Lock()

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            membership = membership_add(grid=grid, user=user, duty=Duty.COMMUNITY_POLICE, started_on=DAY)
            outcome: object = membership
        except TeamError as e:
            outcome = e
        except Exception as e:  # anything else is a failure of the test, reported below
            outcome = e
        finally:
            connections.close_all()  # each thread has its own connection; do not leak it
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(user,)) for user in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(results) == 2, results
    successes = [r for r in results if isinstance(r, GridMembership)]
    refusals = [r for r in results if isinstance(r, TeamError)]
    assert len(successes) == 1, results
    assert len(refusals) == 1, results
    assert "already has a community police officer" in str(refusals[0])
    assert active(grid, Duty.COMMUNITY_POLICE) == 1
