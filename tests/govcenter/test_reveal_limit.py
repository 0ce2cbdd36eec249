"""Issue 9, item 8: one clerk revealed 88 ID numbers in 1.1 s. Reveals are limited per
user per rolling hour (settings.PII_REVEALS_PER_HOUR); the next one is refused with a
message, and the administrators and the district centre are told once per hour."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from disputes.models import Party
from disputes.services import PartyData
from govcenter.models import Notification, PersonalDataAccess, ReminderSent
from govcenter.services import RevealLimitReached, district_of, personal_data_reveal
from grids.models import Resident
from tests.disputes.helpers import register
from tests.factories import build_world, make_id_number, make_resident, make_user

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.PII_REVEALS_PER_HOUR = LIMIT


def residents(world, n: int) -> list[Resident]:
    return [make_resident(world.grid1, f"居民{i}") for i in range(n)]


def reveal(user, subject) -> str:
    return personal_data_reveal(user=user, subject=subject, ip_address="10.0.0.9")


def an_hour_passes() -> None:
    """Move every reveal and every alert claim back by an hour and a minute."""
    back = datetime.timedelta(minutes=61)
    for row in PersonalDataAccess.objects.all():
        PersonalDataAccess.objects.filter(pk=row.pk).update(at=row.at - back)
    for claim in ReminderSent.objects.all():
        ReminderSent.objects.filter(pk=claim.pk).update(deadline=claim.deadline - back)


def alerts() -> list[Notification]:
    return list(Notification.objects.filter(title__contains="limit").order_by("recipient__username"))


# --- the service -------------------------------------------------------------------------------


def test_the_limit_is_reached_exactly_at_n(world):
    people = residents(world, LIMIT + 1)
    for r in people[:LIMIT]:
        assert reveal(world.village1_user, r) == r.reveal_id_number()
    assert PersonalDataAccess.objects.filter(user=world.village1_user).count() == LIMIT
    assert alerts() == []  # reaching the limit by working is no alarm; asking for more is
    with pytest.raises(RevealLimitReached, match=f"You have seen {LIMIT} ID numbers in the last hour"):
        reveal(world.village1_user, people[LIMIT])
    assert PersonalDataAccess.objects.filter(user=world.village1_user).count() == LIMIT  # no record, no number


def test_the_refusal_says_from_when_another_reveal_is_possible(world):
    people = residents(world, LIMIT + 1)
    for r in people[:LIMIT]:
        reveal(world.village1_user, r)
    oldest = PersonalDataAccess.objects.order_by("at").first().at
    again = timezone.localtime(oldest + datetime.timedelta(hours=1))
    with pytest.raises(RevealLimitReached) as e:
        reveal(world.village1_user, people[LIMIT])
    assert f"from {again:%H:%M}" in str(e.value) and "district centre has been told" in str(e.value)


def test_the_district_is_told_once_per_user_per_hour(world):
    people = residents(world, LIMIT)
    for r in people:
        reveal(world.village1_user, r)
    for _ in range(3):
        with pytest.raises(RevealLimitReached):
            reveal(world.village1_user, people[0])
    told = alerts()
    # Superusers and the district centre of the clerk's district; not the township, not the clerk.
    assert sorted(n.recipient.username for n in told) == ["admin", "district1"]
    assert all("village1 reached the limit of 3 ID numbers per hour" in n.title for n in told)
    assert all("Village centre clerk" in n.body and "清溪区" in n.body for n in told)
    admin_link = next(n.url for n in told if n.recipient == world.admin)
    assert admin_link == reverse("admin:govcenter_personaldataaccess_changelist") + (
        f"?user__id__exact={world.village1_user.pk}"
    )
    assert next(n.url for n in told if n.recipient == world.district1) == ""  # no admin for them


def test_the_next_hour_works_again_and_a_new_burst_is_told_again(world):
    people = residents(world, 2 * LIMIT + 1)
    for r in people[:LIMIT]:
        reveal(world.village1_user, r)
    with pytest.raises(RevealLimitReached):
        reveal(world.village1_user, people[LIMIT])
    assert len(alerts()) == 2
    an_hour_passes()
    for r in people[LIMIT : 2 * LIMIT]:
        assert reveal(world.village1_user, r) == r.reveal_id_number()
    with pytest.raises(RevealLimitReached):
        reveal(world.village1_user, people[-1])
    assert len(alerts()) == 4  # one more to each, for the new hour


def test_the_limit_is_per_user(world):
    people = residents(world, LIMIT + 1)
    for r in people[:LIMIT]:
        reveal(world.village1_user, r)
    with pytest.raises(RevealLimitReached):
        reveal(world.village1_user, people[LIMIT])
    assert reveal(world.township1_user, people[LIMIT]) == people[LIMIT].reveal_id_number()


def test_administrators_are_limited_too_and_nobody_tells_themselves(world):
    people = residents(world, LIMIT + 1)
    for r in people[:LIMIT]:
        reveal(world.admin, r)
    with pytest.raises(RevealLimitReached):
        reveal(world.admin, people[LIMIT])
    assert [n.recipient for n in alerts()] == []  # admin alone is the only superuser; no district


def test_the_alert_is_written_in_the_portals_language_the_refusal_in_the_users(world, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    people = residents(world, LIMIT)
    for r in people:
        reveal(world.village1_user, r)
    # Changing LANGUAGE_CODE resets the active language: the page's language is English again here.
    with translation.override("en"), pytest.raises(RevealLimitReached, match="You have seen"):
        reveal(world.village1_user, people[0])
    with translation.override("zh-hans"):
        role = str(world.village1_user.get_role_display())
    assert role != "Village centre clerk"
    assert role in Notification.objects.get(recipient=world.district1).body


@pytest.mark.parametrize(
    "name,expected",
    [
        ("grid1_user", "district"),
        ("village1_user", "district"),
        ("township1_user", "district"),
        ("district1", "district"),
        ("police1", "district"),
        ("station1", "district"),
        ("dept1", "district"),
    ],
)
def test_district_of_each_role(world, name, expected):
    assert district_of(getattr(world, name)) == getattr(world, expected)


def test_district_of_a_grid_worker_without_a_home_area_is_that_of_their_grid(world):
    from grids.models import GridMembership
    from grids.services import membership_add

    worker = make_user("grid9", "grid_worker")
    assert district_of(worker) is None
    membership_add(
        grid=world.grid3, user=worker, duty=GridMembership.Duty.GRID_WORKER, started_on=datetime.date.today()
    )
    assert district_of(worker) == world.district


def test_the_district_staff_of_another_district_are_not_told(world):
    from govcenter.services import area_add_or_update

    other, _ = area_add_or_update(code="330106000000", name="西湖区")
    make_user("district9", "district_staff", area=other)
    people = residents(world, LIMIT)
    for r in people:
        reveal(world.village1_user, r)
    with pytest.raises(RevealLimitReached):
        reveal(world.village1_user, people[0])
    assert "district9" not in {n.recipient.username for n in alerts()}


# --- the pages -----------------------------------------------------------------------------------


def resident_reveal(r) -> str:
    return reverse("grids:resident_reveal_id", args=[r.pk])


def test_htmx_reveal_at_the_limit_answers_the_message_in_place(world, login):
    people = residents(world, LIMIT + 1)
    client = login(world.village1_user)
    for r in people[:LIMIT]:
        assert r.reveal_id_number() in client.post(resident_reveal(r), HTTP_HX_REQUEST="true").content.decode()
    response = client.post(resident_reveal(people[LIMIT]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx answers only
    assert 'id="id-number-block"' in html and "<html" not in html
    assert f"You have seen {LIMIT} ID numbers in the last hour" in html
    assert people[LIMIT].id_number_masked in html and people[LIMIT].reveal_id_number() not in html
    assert "no-store" in response["Cache-Control"]


def test_plain_reveal_at_the_limit_goes_back_to_the_page_with_the_message(world, login):
    people = residents(world, LIMIT + 1)
    client = login(world.village1_user)
    for r in people[:LIMIT]:
        client.post(resident_reveal(r))
    response = client.post(resident_reveal(people[LIMIT]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == people[LIMIT].get_absolute_url()
    assert f"You have seen {LIMIT} ID numbers in the last hour" in html
    assert people[LIMIT].reveal_id_number() not in html


def party_with_id(world) -> Party:
    d = register(
        world.village1_user,
        village=world.village1,
        parties=[PartyData(role="applicant", name="张三", id_number=make_id_number())],
    )
    return d.parties.get()


def test_party_reveal_at_the_limit_answers_the_message_by_htmx_and_on_the_page(world, login):
    party = party_with_id(world)
    client = login(world.village1_user)
    url = reverse("disputes:party_reveal", args=[party.pk])
    for _ in range(LIMIT):
        assert party.reveal_id_number() in client.post(url, HTTP_HX_REQUEST="true").content.decode()
    response = client.post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and f'id="party-id-{party.pk}"' in html
    assert "You have seen" in html and party.id_number_masked in html and party.reveal_id_number() not in html
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == party.dispute.get_absolute_url()
    assert "You have seen" in response.content.decode() and party.reveal_id_number() not in response.content.decode()


def test_reveal_urls_still_answer_404_outside_and_login_for_anonymous(world, client, login):
    r = world.resident1
    assert client.post(resident_reveal(r))["Location"].startswith(reverse("login"))
    assert login(world.village2_user).post(resident_reveal(r)).status_code == 404


def test_the_alert_link_opens_the_users_reveals_in_the_admin(world, login):
    people = residents(world, LIMIT)
    for r in people:
        reveal(world.village1_user, r)
    with pytest.raises(RevealLimitReached):
        reveal(world.village1_user, people[0])
    reveal(world.township1_user, people[0])
    link = Notification.objects.get(recipient=world.admin).url
    page = login(world.admin).get(link)
    assert page.status_code == 200
    assert page.context["cl"].result_count == LIMIT  # the clerk's, not the township's


# --- a burst on PostgreSQL ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_simultaneous_reveals_stops_at_the_limit(settings):
    settings.PII_REVEALS_PER_HOUR = 5
    w = build_world()
    people = [make_resident(w.grid1, f"居民{i}") for i in range(12)]
    barrier = threading.Barrier(len(people))
    outcomes: list[object] = []
    lock = threading.Lock()

    def attempt(r):
        try:
            barrier.wait(timeout=10)
            outcome: object = personal_data_reveal(user=w.village1_user, subject=r, ip_address="10.0.0.9")
        except Exception as e:  # counted below
            outcome = e
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(r,)) for r in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    refused = [o for o in outcomes if isinstance(o, RevealLimitReached)]
    assert len(outcomes) == 12 and len(refused) == 7, outcomes
    assert PersonalDataAccess.objects.filter(user=w.village1_user).count() == 5
    assert Notification.objects.filter(title__contains="limit").count() == 2  # admin and district1, once
