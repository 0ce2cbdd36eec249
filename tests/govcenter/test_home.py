"""The home page (the jurisdiction at a glance) and the area tree."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_grid, make_resident

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

ROLES = [
    "admin",
    "district1",
    "township1_user",
    "township2_user",
    "village1_user",
    "village2_user",
    "village3_user",
    "grid1_user",
    "grid2_user",
    "police1",
    "police3",
    "aux1",
    "station1",
    "station2_user",
    "dept1",
]


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.mark.parametrize("role", ROLES)
def test_home_and_area_tree_load_for_every_role(world, login, role):
    client = login(getattr(world, role))
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("area_tree")).status_code == 200


@pytest.mark.parametrize("name", ["home", "area_tree"])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def overview_of(client):
    return client.get(reverse("home")).context["overview"]


def test_home_counts_for_the_village1_clerk(world, login):
    overview = overview_of(login(world.village1_user))
    assert overview["n_grids"] == 2  # grid1, grid1b
    assert overview["n_without_police"] == 1  # grid1b
    assert overview["n_without_worker"] == 1  # grid1b
    assert overview["n_residents"] == 1
    tags = {tag.code: n for tag, n in overview["care_tags"]}
    assert tags["elderly-alone"] == 1
    assert tags["disability"] == 0


def test_home_counts_for_the_district(world, login):
    overview = overview_of(login(world.district1))
    assert (
        overview["n_grids"],
        overview["n_without_police"],
        overview["n_without_worker"],
        overview["n_residents"],
    ) == (4, 2, 2, 3)


def test_home_counts_for_a_grid_worker_are_their_grid(world, login):
    make_resident(world.grid1b, "不相干")  # same village, another grid
    overview = overview_of(login(world.grid1_user))
    assert (overview["n_grids"], overview["n_residents"]) == (1, 1)


def test_home_warns_a_user_without_jurisdiction(world, login):
    from tests.factories import make_user

    html = login(make_user("orphan", "village_clerk")).get(reverse("home")).content.decode()
    assert "no jurisdiction yet" in html


def test_department_staff_home_has_no_grid_figures(world, login):
    response = login(world.dept1).get(reverse("home"))
    assert response.context["overview"]["n_grids"] == 0
    assert reverse("grids:grid_list") + '"' not in response.content.decode()


def test_home_query_count_does_not_grow_with_data(world, login):
    client = login(world.district1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for i in range(10):
        grid = make_grid(world.village2, 10 + i)
        make_resident(grid, f"居民{i}", tags=["veteran"])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def tree_names(client):
    return [node["area"].name for node in walk(client.get(reverse("area_tree")).context["roots"])]


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node["children"])


def test_area_tree_of_village1_shows_its_branch_only(world, login):
    client = login(world.village1_user)
    names = tree_names(client)
    assert names == ["清溪区", "桃源镇", "东山村"]
    html = client.get(reverse("area_tree")).content.decode()
    assert "南湖村" not in html and "西岭村" not in html and "石门乡" not in html


def test_area_tree_of_a_township_shows_all_its_villages(world, login):
    assert tree_names(login(world.township1_user)) == ["清溪区", "桃源镇", "东山村", "西岭村"]


def test_area_tree_of_the_district_shows_everything_with_grid_counts(world, login):
    roots = login(world.district1).get(reverse("area_tree")).context["roots"]
    assert [n["area"].name for n in walk(roots)] == ["清溪区", "桃源镇", "东山村", "西岭村", "石门乡", "南湖村"]
    district = roots[0]
    assert district["grids"] == 4
    assert district["incomplete"] == 3  # grid1b, grid2, grid3


def test_area_tree_of_station_staff_shows_the_villages_it_covers(world, login):
    assert tree_names(login(world.station2_user)) == ["清溪区", "石门乡", "南湖村"]


def test_area_tree_of_department_staff_is_empty(world, login):
    assert tree_names(login(world.dept1)) == []


def test_home_offers_each_role_its_first_clicks(world, login):
    from django.urls import reverse

    def links(user):
        return login(user).get(reverse("home")).text

    grid_worker = links(world.grid1_user)
    assert reverse("sentiment:file") in grid_worker and reverse("disputes:register") in grid_worker
    assert reverse("publicity:my_assignments") in grid_worker
    clerk = links(world.village1_user)
    assert reverse("sentiment:queue") in clerk and reverse("publicity:distributions") in clerk
    district = links(world.district1)
    assert reverse("disputes:supervision") in district and reverse("publicity:review_queue") in district
    station = links(world.station1)
    assert reverse("disputes:register") not in station and reverse("sentiment:file") not in station


def test_every_quick_action_opens_for_its_role(world, login):
    from govcenter.context_processors import quick_actions

    for user in (
        world.grid1_user,
        world.village1_user,
        world.township1_user,
        world.district1,
        world.dept1,
        world.police1,
        world.aux1,
        world.station1,
        world.admin,
    ):
        client = login(user)
        for action in quick_actions(user):
            assert client.get(action["url"]).status_code == 200, (user.username, action["url"])
