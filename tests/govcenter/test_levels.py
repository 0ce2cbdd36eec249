"""The kernel's handling levels (``govcenter.levels``): order, who staffs a level, whom a
level may put in charge, the grid test and the district's time zone."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from govcenter import levels
from govcenter.levels import Level


def item(world, level=Level.VILLAGE, **places):
    defaults = dict(
        district_id=world.district.pk,
        township_id=world.township1.pk,
        village_id=world.village1.pk,
        grid_id=world.grid1.pk,
        department_id=None,
    )
    return SimpleNamespace(level=level, **{**defaults, **places})


def test_order_and_neighbours():
    assert levels.LEVEL_ORDER == ["village", "township", "district", "department"]
    assert levels.next_level(Level.VILLAGE) == Level.TOWNSHIP
    assert levels.next_level(Level.DEPARTMENT) is None
    assert levels.previous_level(Level.DISTRICT) == Level.TOWNSHIP
    assert levels.previous_level(Level.VILLAGE) is None
    assert levels.previous_level(Level.TOWNSHIP, floor=Level.TOWNSHIP) is None
    assert levels.previous_level(Level.DISTRICT, floor=Level.TOWNSHIP) == Level.TOWNSHIP
    assert levels.levels_below(Level.DISTRICT) == [Level.VILLAGE, Level.TOWNSHIP]
    assert levels.levels_above(Level.TOWNSHIP) == [Level.DISTRICT, Level.DEPARTMENT]
    assert levels.levels_above(Level.DISTRICT, inclusive=True) == [Level.DISTRICT, Level.DEPARTMENT]


def test_level_staff_is_the_centre_of_the_items_place(world):
    i = item(world)
    assert levels.is_level_staff(world.village1_user, i)
    assert not levels.is_level_staff(world.village2_user, i)
    assert not levels.is_level_staff(world.township1_user, i)  # not their level
    assert levels.is_level_staff(world.township1_user, i, Level.TOWNSHIP)
    assert levels.is_level_staff(world.district1, i, Level.DISTRICT)
    assert levels.is_level_staff(world.admin, i, Level.DEPARTMENT)
    assert not levels.is_level_staff(world.grid1_user, i)
    assert not levels.is_level_staff(world.dept1, i, Level.DEPARTMENT)  # no department named
    assert levels.is_level_staff(world.dept1, item(world, Level.DEPARTMENT, department_id=world.department.pk))


def test_a_level_whose_place_the_item_lacks_has_no_staff(world):
    """Settled: the disputes' rule. A clerk without an area never matches an item without a village."""
    world.village1_user.area = None
    i = item(world, village_id=None, grid_id=None)
    assert not levels.is_level_staff(world.village1_user, i)
    assert list(levels.level_staff(i, Level.VILLAGE)) == []


def test_level_staff_lists_the_active_people_of_the_level(world):
    i = item(world)
    assert list(levels.level_staff(i)) == [world.village1_user]
    assert list(levels.level_staff(i, Level.TOWNSHIP)) == [world.township1_user]
    world.district1.is_active = False
    world.district1.save()
    assert list(levels.level_staff(i, Level.DISTRICT)) == []
    with_dept = item(world, Level.DEPARTMENT, department_id=world.department.pk)
    assert list(levels.level_staff(with_dept)) == [world.dept1]


def test_handler_choices_at_village_level_add_the_grids_workers(world):
    i = item(world)
    assert set(levels.handler_choices(i)) == {world.village1_user, world.grid1_user}
    elsewhere = item(world, grid_id=world.grid1b.pk)  # a grid of the village nobody serves
    assert set(levels.handler_choices(elsewhere)) == {world.village1_user}
    assert set(levels.handler_choices(elsewhere, whole_village=True)) == {world.village1_user, world.grid1_user}
    assert set(levels.handler_choices(item(world, Level.TOWNSHIP))) == {world.township1_user}


def test_serves_grid_takes_the_grids_id(world):
    assert levels.serves_grid(world.grid1_user, world.grid1.pk)
    assert not levels.serves_grid(world.grid1_user, world.grid2.pk)
    assert not levels.serves_grid(world.grid1_user, None)
    assert not levels.serves_grid(world.police1, world.grid1.pk)  # a member, not a grid worker


def test_level_of_a_role(world):
    assert levels.level_of(world.township1_user) == Level.TOWNSHIP
    assert levels.level_of(world.dept1) == Level.DEPARTMENT
    assert levels.level_of(world.grid1_user) is None


def test_days_are_counted_in_the_districts_time_zone(settings):
    assert levels.local_zone() == ZoneInfo(settings.TIME_ZONE)
    late_utc = datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC)  # 01:00 on 2 March in Shanghai
    settings.TIME_ZONE = "Asia/Shanghai"
    assert levels.local_date(late_utc) == datetime.date(2026, 3, 2)


def _with_handler(world, handler, level=Level.VILLAGE, **places):
    i = item(world, level, **places)
    i.handler, i.handler_id = handler, handler.pk if handler else None
    return i


def test_the_handler_belongs_to_the_level(world):
    assert levels.level_handler(_with_handler(world, world.village1_user)) == world.village1_user
    assert levels.level_handler(_with_handler(world, world.grid1_user)) == world.grid1_user  # village level only
    assert levels.level_handler(_with_handler(world, world.grid1_user, Level.TOWNSHIP)) is None
    assert levels.level_handler(_with_handler(world, world.township1_user)) is None
    assert levels.level_handler(_with_handler(world, world.township1_user, Level.TOWNSHIP)) == world.township1_user
    assert levels.level_handler(_with_handler(world, world.township2_user, Level.TOWNSHIP)) is None
    assert levels.level_handler(_with_handler(world, None)) is None


def test_a_move_drops_the_handler_of_the_level_left_and_keeps_one_of_the_level_reached(world):
    i = _with_handler(world, world.township1_user, Level.TOWNSHIP)
    assert levels.move_to_level(i, Level.VILLAGE) == Level.TOWNSHIP
    assert (i.level, i.handler) == (Level.VILLAGE, None)
    i = _with_handler(world, world.admin, Level.TOWNSHIP)  # administrators staff every level
    levels.move_to_level(i, Level.DISTRICT)
    assert i.handler == world.admin
