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
from tests.disputes.helpers import at, register
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
    }
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
        1,
    )


def test_each_button_leads_to_its_list(world, login):
    client = login(world.station1)
    tiles = _tiles(client)
    assert tiles["awaiting_review"]["url"] == reverse("police_queue")
    assert tiles["criminal_risk"]["url"].endswith("?flag=risk_criminal")
    html = client.get(reverse("home")).content.decode()
    for tile in tiles.values():
        assert f'href="{tile["url"]}"' in html
        assert client.get(tile["url"]).status_code == 200


@pytest.mark.parametrize("who", ["village1_user", "grid1_user", "aux1", "district1", "admin", "dept1"])
def test_other_roles_have_no_police_buttons(world, login, who):
    assert _tiles(login(getattr(world, who))) == {}
