"""Finding a resident by two characters of the name, or by pinyin (initials welcome)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sentiment.search import name_matches, query_is_long_enough, rank
from tests.factories import make_resident


@pytest.mark.parametrize(
    "query",
    ["wdm", "WDM", "wd", "wangdm", "wdaming", "wangdaming", "w d m", "dm", "daming", "王大", "大明", "王"],
)
def test_wang_daming_is_found_by_characters_initials_or_full_pinyin(query):
    assert name_matches("王大明", query)


@pytest.mark.parametrize("query", ["wdx", "lxh", "mdw", "wangx", "李", "", "w1", "wang-da"])
def test_other_queries_do_not_find_him(query):
    assert not name_matches("王大明", query)


@pytest.mark.parametrize(
    "name,query",
    [
        ("单小红", "sxh"),
        ("单小红", "dxh"),
        ("曾国藩", "zgf"),
        ("曾国藩", "cgf"),
        ("欧阳娜娜", "oynn"),
        ("欧阳娜娜", "ouyangnn"),
    ],
)
def test_surnames_with_two_readings_match_either(name, query):
    assert name_matches(name, query)


def test_two_letters_or_one_character_before_searching():
    assert not query_is_long_enough("w") and query_is_long_enough("wd") and query_is_long_enough("王")


def test_names_starting_with_the_query_rank_first():
    names = ["李大明", "王大明", "大明"]
    assert sorted((n for n in names if name_matches(n, "dm")), key=lambda n: rank(n, "dm")) == [
        "大明",
        "李大明",
        "王大明",
    ]


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def search(client, grid, q, **extra):
    return client.get(reverse("sentiment:resident_search"), {"grid": grid.pk, "resident_q": q, **extra})


def test_the_search_returns_residents_of_the_grid_matching_pinyin_initials(world, login):
    make_resident(world.grid1, "吴德明")
    make_resident(world.grid1, "李春燕")
    make_resident(world.grid2, "王东明")  # another grid: never offered
    response = search(login(world.grid1_user), world.grid1, "wdm")
    html = response.content.decode()
    assert response.status_code == 200
    assert "王大明" in html and "吴德明" in html
    assert "李春燕" not in html and "王东明" not in html
    assert f'value="{world.resident1.pk}"' in html and 'name="resident"' in html


def test_the_search_finds_by_two_characters(world, login):
    html = search(login(world.grid1_user), world.grid1, "大明").content.decode()
    assert "王大明" in html


def test_one_letter_asks_for_another(world, login):
    html = search(login(world.grid1_user), world.grid1, "w").content.decode()
    assert "Type one more letter." in html and "王大明" not in html


def test_no_match_suggests_typing_a_visitor(world, login):
    html = search(login(world.grid1_user), world.grid1, "xyz").content.decode()
    assert "No resident of this grid matches" in html


def test_the_chosen_resident_stays_first_and_checked(world, login):
    other = make_resident(world.grid1, "王德茂")
    html = search(login(world.grid1_user), world.grid1, "wdm", resident=other.pk).content.decode()
    assert html.index("王德茂") < html.index("王大明")
    assert f'value="{other.pk}" data-label="王德茂" checked' in html


def test_a_grid_the_worker_does_not_serve_is_404(world, login):
    assert search(login(world.grid1_user), world.grid2, "lxh").status_code == 404
    assert login(world.grid1_user).get(reverse("sentiment:resident_search"), {"resident_q": "w"}).status_code == 404
