"""The home page of police roles: big buttons with counts (``govcenter.police.home_tiles``),
each figure recomputed here from the rows."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services as ds
from disputes.models import Dispute
from govcenter.levels import local_zone
from sentiment.models import Log
from tests.disputes.helpers import at, register, register_110
from tests.sentiment.helpers import file_log

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def _tiles(client) -> dict[str, dict]:
    return {t["key"]: t for t in client.get(reverse("home")).context["police_tiles"]}


def _monday_midnight(now: datetime.datetime) -> datetime.datetime:
    local = now.astimezone(local_zone())
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return datetime.datetime(monday.year, monday.month, monday.day, tzinfo=local_zone())


def _cases(world):
    w = world
    now = timezone.now()
    register(w.grid1_user, grid=w.grid1, risk_criminal=True)  # queued, 民转刑, open
    flagged_closed = register(w.grid1_user, grid=w.grid1, risk_criminal=True)
    ds.dispute_accept(dispute=flagged_closed, actor=w.village1_user, at=at(0.1))
    ds.dispute_resolve(dispute=flagged_closed, actor=w.village1_user, at=at(0.2), result="已调解")
    judged = register(w.village2_user, village=w.village2, category=Dispute.Category.ONLINE_FRAUD)
    ds.dispute_add_police_review(dispute=judged, actor=w.station1, at=at(1), verdict="file_case", opinion="立案")
    register(w.village3_user, village=w.village3, risk_criminal=True)  # the other station's
    register(w.grid1_user, grid=w.grid1, when=now - datetime.timedelta(minutes=5))  # new this week
    file_log(w, category=Log.Category.SECURITY_HAZARD)  # queued log
    # 110 calls handed to the village: one being mediated, one back awaiting the station's
    # confirmation, one confirmed (no longer counted); one still held by the station.
    mediating, returned, confirmed = (register_110(w.station1, village=w.village1) for _ in range(3))
    for d in (mediating, returned, confirmed):
        ds.dispute_hand_to_mediation(dispute=d, actor=w.station1, at=at(0.1), handed_to=Dispute.HandedTo.VILLAGE)
    for d in (returned, confirmed):
        ds.dispute_accept(dispute=d, actor=w.village1_user, at=at(0.2))
        ds.dispute_resolve(dispute=d, actor=w.village1_user, at=at(0.3), result="已调解")
    ds.dispute_station_confirm(dispute=confirmed, actor=w.station1, at=at(0.4), note="")
    register_110(w.station1, village=w.village1)
    # A visit police1 went on, awaiting his co-signature.
    file_log(w, accompanied_by=w.police1)


@pytest.mark.parametrize("who", ["station1", "police1", "station2_user", "police3"])
def test_police_home_counts(world, login, who):
    _cases(world)
    user = getattr(world, who)
    tiles = _tiles(login(user))
    villages = {"station1": [world.village1, world.village2], "police1": [world.village1, world.village2]}.get(
        who, [world.village3]
    )
    disputes = Dispute.objects.filter(village__in=villages)
    logs = Log.objects.filter(village__in=villages)
    expected = {
        "awaiting_review": disputes.filter(police_review="pending").exclude(status="archived").count()
        + logs.filter(police_review="pending").count(),
        "criminal_risk": disputes.filter(risk_criminal=True, status__in=Dispute.OPEN_STATUSES).count(),
        "new_this_week": disputes.filter(registered_at__gte=_monday_midnight(timezone.now())).count(),
        # 110 cases of the user's station handed to a centre, not yet confirmed by the station
        "handed_to_mediation": Dispute.objects.filter(
            police_station=user.police_station, handed_to__in=["village", "township"], station_confirmed_at=None
        ).count(),
        # logs naming the user as accompanying officer, awaiting the co-signature
        "to_cosign": logs.filter(accompanied_by=user, cosign="awaiting").count(),
    }
    if user.role == "station_staff":  # never named on a visit: no co-sign button
        del expected["to_cosign"]
    assert set(tiles) == {"awaiting_review", *expected}
    assert {k: tiles[k]["count"] for k in expected} == expected
    assert expected["awaiting_review"] > 0 and expected["criminal_risk"] > 0


def test_the_counts_of_station1_by_hand(world, login):
    """The same figures, spelled out: three queued (the open and the resolved flagged cases,
    still owed an opinion, and the log), the judged fraud case not; one open 民转刑 case;
    one new this week."""
    _cases(world)
    tiles = _tiles(login(world.station1))
    assert (tiles["awaiting_review"]["count"], tiles["criminal_risk"]["count"], tiles["new_this_week"]["count"]) == (
        3,
        1,
        1,  # (the 110 calls are registered at the helpers' fixed past time)
    )
    assert tiles["handed_to_mediation"]["count"] == 2 and "to_cosign" not in tiles  # station staff do not co-sign
    police1 = _tiles(login(world.police1))
    assert (police1["handed_to_mediation"]["count"], police1["to_cosign"]["count"]) == (2, 1)


def test_each_button_leads_to_its_list(world, login):
    urls = {}
    for officer in (world.station1, world.police1):
        client = login(officer)
        tiles = _tiles(client)
        html = client.get(reverse("home")).content.decode()
        for tile in tiles.values():
            assert f'href="{tile["url"]}"' in html
            assert client.get(tile["url"]).status_code == 200, (officer, tile)
        urls[officer.username] = {key: tile["url"] for key, tile in tiles.items()}
    assert urls["station1"]["awaiting_review"] == reverse("police_queue")
    assert urls["station1"]["criminal_risk"].endswith("?flag=risk_criminal")
    assert urls["station1"]["handed_to_mediation"].endswith("?linkage=handed")
    assert "to_cosign" not in urls["station1"]  # station staff are never named on a visit
    assert urls["police1"]["to_cosign"] == reverse("sentiment:to_cosign")


@pytest.mark.parametrize("who", ["village1_user", "grid1_user", "aux1", "district1", "admin", "dept1"])
def test_other_roles_have_no_police_buttons(world, login, who):
    assert _tiles(login(getattr(world, who))) == {}
