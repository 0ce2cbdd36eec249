"""``govcenter.police.PoliceOf``: the police a chunk of reminders goes to, looked up together,
are for every item exactly ``police_of(item)``: the stations covering its village (a station
may cover several; an inactive officer is left out) and the community police serving its
grid now (not one whose membership there ended)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

from govcenter.models import PoliceStation, User
from govcenter.police import PoliceOf, police_of
from grids.models import GridMembership
from tests.factories import make_user


def test_the_group_is_police_of_for_every_item(world):
    # A second station also covering village 1, an inactive officer, and community police
    # whose membership in grid 2 ended.
    other = PoliceStation.objects.create(name="东山警务站", district=world.district)
    other.villages.set([world.village1])
    make_user("other-station", User.Role.STATION_STAFF, police_station=other)
    make_user("retired", User.Role.STATION_STAFF, police_station=world.station, is_active=False)
    moved = make_user("moved", User.Role.COMMUNITY_POLICE, police_station=world.station)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    GridMembership.objects.create(
        grid=world.grid2,
        user=moved,
        duty=GridMembership.Duty.COMMUNITY_POLICE,
        started_on=yesterday,
        ended_on=yesterday,
        slot=1,
    )
    GridMembership.objects.create(
        grid=world.grid1b, user=moved, duty=GridMembership.Duty.COMMUNITY_POLICE, started_on=yesterday, slot=1
    )
    items = [
        SimpleNamespace(village_id=v.pk, grid_id=g.pk if g else None)
        for v, g in [
            (world.village1, world.grid1),
            (world.village1, world.grid1b),
            (world.village1, None),
            (world.village2, world.grid2),
            (world.village3, world.grid3),
        ]
    ]
    groups = [PoliceOf.of(item) for item in items]
    with CaptureQueriesContext(connection) as queries:
        members = PoliceOf.members_of_many(groups)
    assert len(queries) == 2
    for item, group in zip(items, groups, strict=True):
        assert members[group] == list(police_of(item)), item
    assert moved in members[groups[1]] and moved not in members[groups[3]]
