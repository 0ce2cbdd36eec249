from govcenter.jurisdiction import can_reveal_id_numbers, scope_of
from grids.selectors import grids_visible_to, residents_visible_to


def grid_names(user, w):
    ids = set(grids_visible_to(user).values_list("pk", flat=True))
    return {name for name in ("grid1", "grid1b", "grid2", "grid3") if getattr(w, name).pk in ids}


def test_each_role_sees_exactly_its_grids(world):
    w = world
    expected = {
        "admin": {"grid1", "grid1b", "grid2", "grid3"},
        "district1": {"grid1", "grid1b", "grid2", "grid3"},
        "township1_user": {"grid1", "grid1b", "grid2"},
        "township2_user": {"grid3"},
        "village1_user": {"grid1", "grid1b"},
        "village2_user": {"grid2"},
        "grid1_user": {"grid1"},
        "grid2_user": {"grid2"},
        "aux1": {"grid1"},
        "police1": {"grid1", "grid1b", "grid2"},  # grid1 + the station's villages V1, V2
        "police3": {"grid3"},
        "station1": {"grid1", "grid1b", "grid2"},
        "station2_user": {"grid3"},
        "dept1": set(),
    }
    for attr, grids in expected.items():
        assert grid_names(getattr(w, attr), w) == grids, attr


def test_village_clerk_cannot_see_other_village_residents(world):
    assert list(residents_visible_to(world.village1_user)) == [world.resident1]
    assert world.resident2 not in residents_visible_to(world.village1_user)


def test_ended_membership_removes_the_grid_from_a_workers_scope(world):
    membership = world.grid1_user.grid_memberships.get()
    membership.ended_on = membership.started_on
    membership.save()
    assert not grids_visible_to(world.grid1_user).exists()


def test_user_without_a_home_sees_nothing(world):
    from tests.factories import make_user

    orphan = make_user("orphan", "village_clerk")
    assert scope_of(orphan).is_empty
    assert not grids_visible_to(orphan).exists()


def test_who_may_reveal_id_numbers(world):
    w = world
    v1 = w.village1.pk
    assert can_reveal_id_numbers(w.village1_user, village_id=v1)
    assert can_reveal_id_numbers(w.township1_user, village_id=v1)
    assert can_reveal_id_numbers(w.district1, village_id=v1)
    assert can_reveal_id_numbers(w.police1, village_id=v1)
    assert can_reveal_id_numbers(w.station1, village_id=v1)
    assert can_reveal_id_numbers(w.admin, village_id=v1)
    assert not can_reveal_id_numbers(w.village2_user, village_id=v1)
    assert not can_reveal_id_numbers(w.township2_user, village_id=v1)
    assert not can_reveal_id_numbers(w.grid1_user, village_id=v1)
    assert not can_reveal_id_numbers(w.aux1, village_id=v1)
    assert not can_reveal_id_numbers(w.station2_user, village_id=v1)
    assert not can_reveal_id_numbers(w.dept1, village_id=v1)
