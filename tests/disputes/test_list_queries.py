"""The ledger list stays fast as the table grows: a constant number of queries whatever
the number of rows, no per-row queries, a count that stops at a cap, paging without a
total; and its filters, search and sorting do what they say."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import services
from disputes.models import Dispute
from disputes.services import PartyData
from govcenter import pagination

from .ledger_helpers import days_ago, register, url

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

FILTERS = {
    "status": "registered",
    "risk_level": "significant",
    "township": "",  # set per test
    "q": "号纠纷",
    "flag": "any",
    "overdue": "no",
    "registered_from": days_ago(30).isoformat(),
    "sort": "-risk_level",
}
MAX_LIST_QUERIES = 12  # measured: 12 for station staff (their villages, the navbar's counts), 8 for a district user;
# the rows' names, parties, transfers and court referrals are one query (selectors.with_list_records)


def _many(world, n: int) -> None:
    """n disputes across both townships, each with two parties."""
    places = [
        {"grid": world.grid1, "actor": world.grid1_user},
        {"village": world.village2, "actor": world.village2_user},
        {"village": world.village3, "actor": world.village3_user},
    ]
    for i in range(n):
        place = dict(places[i % 3])
        actor = place.pop("actor")
        register(actor, summary=f"第{i}号纠纷", risk_level="significant", vulnerable_party=True, **place)


def _list_queries(client, params) -> tuple[int, object]:
    """The page's queries with its filter form drawn afresh (none kept: govcenter.drawn_filters)."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("list"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_list_query_count_is_the_same_for_20_and_100_disputes(world, login):
    client = login(world.district1)
    params = {**FILTERS, "township": world.township1.pk}
    _many(world, 20)
    n20, r20 = _list_queries(client, params)
    _many(world, 80)
    n100, r100 = _list_queries(client, params)
    assert len(r20.context["page"].object_list) < len(r100.context["page"].object_list) == 25
    assert n20 == n100
    # Unfiltered, and on a later page, the same.
    assert _list_queries(client, {})[0] <= n100
    assert _list_queries(client, {**params, "page": 2})[0] == n100


@pytest.mark.parametrize("who", ["district1", "township1_user", "village1_user", "grid1_user", "station1", "dept1"])
def test_list_stays_under_a_fixed_number_of_queries(world, login, django_assert_max_num_queries, who):
    _many(world, 40)
    client = login(getattr(world, who))
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        client.get(url("list"), {"sort": "due_at", "q": "王大明", "category": "land_boundary"})


def test_the_count_is_capped_and_shown_as_about(world, login, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    _many(world, 9)
    response = login(world.district1).get(url("list"))
    assert response.context["count"] == pagination.CappedCount(value=5, capped=True)
    assert "about 5+ disputes" in response.content.decode()
    response = login(world.district1).get(url("list"), {"township": world.township2.pk})
    assert response.context["count"] == pagination.CappedCount(value=3, capped=False)


def test_pages_have_previous_and_next_without_a_total(world, login, settings):
    settings.PAGE_SIZE = 4
    _many(world, 6)
    client = login(world.district1)
    first = client.get(url("list")).context["page"]
    assert len(first) == 4 and first.has_next() and not first.has_previous()
    second = client.get(url("list"), {"page": 2}).context["page"]
    assert len(second) == 2 and not second.has_next() and second.has_previous()
    assert {d.pk for d in first}.isdisjoint({d.pk for d in second})
    assert client.get(url("list"), {"page": 99}).context["page"].number == 1
    assert client.get(url("list"), {"page": "abc"}).status_code == 200


# --- search, filters, sorting ---------------------------------------------------------------------


def _numbers(client, **params) -> list[str]:
    return [d.number for d in client.get(url("list"), params).context["page"].object_list]


def test_search_by_party_name_returns_each_dispute_once(world, login):
    d = register(
        world.grid1_user,
        grid=world.grid1,
        parties=[PartyData(role="applicant", name="王大明"), PartyData(role="respondent", name="王小明")],
    )
    register(world.grid1_user, grid=world.grid1, applicant="赵六", respondent="钱七")
    assert _numbers(login(world.village1_user), q="王") == [d.number]


def test_search_by_ledger_number_prefix_and_tail(world, login):
    a = register(world.grid1_user, grid=world.grid1)
    b = register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    assert _numbers(client, q=a.number) == [a.number]
    assert _numbers(client, q=a.number.lower()) == [a.number]
    assert set(_numbers(client, q=a.number[:-3])) == {a.number, b.number}
    assert _numbers(client, q=b.number[-6:]) == [b.number]


@pytest.mark.parametrize("ids", [0, 1, 5_000])
def test_a_number_prefix_with_many_matches_finds_the_same_cases(world, login, monkeypatch, ids):
    """Past ``SEARCH_IDS`` matches the prefix is filtered with the registration years it
    names (``filters._number_prefix``): the same cases, on every backend."""
    from disputes import filters
    from govcenter import filters as shared

    monkeypatch.setattr(shared, "SEARCH_IDS", ids)
    a = register(world.grid1_user, grid=world.grid1)
    b = register(world.grid1_user, grid=world.grid1)
    c = register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    prefix = a.number[: a.number.rindex("-")]  # the district-year: all three
    assert _numbers(client, q=prefix) == [c.number, b.number, a.number]
    assert _numbers(client, q=prefix, sort="registered_at") == [a.number, b.number, c.number]
    assert _numbers(client, q=b.number) == [b.number]
    assert _numbers(client, q="MD-999999") == []
    span = filters._number_prefix(prefix)
    assert "registered_at__gte" in str(span) and "registered_at__lt" in str(span)


@given(cut=st.integers(min_value=0, max_value=40), junk=st.sampled_from(["", "0", "9", "X"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_number_prefix_bounded_by_its_years_finds_what_the_prefix_alone_finds(world, cut, junk):
    """``_number_prefix`` adds the years a prefix's digits allow; whatever the prefix (any
    cut of a real number, or one with a stray character), it finds exactly the cases the
    prefix alone does. Numbers of two years, one of them at the turn of the year in local time."""
    from disputes import filters

    if not Dispute.objects.filter(summary="跨年").exists():  # the two cases, made at the first example
        for when in (
            datetime.datetime(2025, 12, 31, 23, 30, tzinfo=filters.local_zone()),
            datetime.datetime(2026, 1, 1, 0, 10, tzinfo=filters.local_zone()),
        ):
            services.dispute_register(
                actor=world.grid1_user,
                at=when,
                grid=world.grid1,
                source=Dispute.Source.GRID_INSPECTION,
                category=Dispute.Category.LAND_BOUNDARY,
                summary="跨年",
                description="跨年登记。",
                occurred_on=when.date(),
                parties=[PartyData(role="applicant", name="甲"), PartyData(role="respondent", name="乙")],
            )
    for number in Dispute.objects.values_list("number", flat=True):
        text = number[:cut] + junk
        plain = set(Dispute.objects.filter(number__startswith=text).values_list("pk", flat=True))
        bounded = set(Dispute.objects.filter(filters._number_prefix(text)).values_list("pk", flat=True))
        assert bounded == plain, text


def test_search_by_text_in_summary_or_description(world, login):
    a = register(world.grid1_user, grid=world.grid1, summary="鸡鸭吵闹", description="养殖户噪音扰民")
    register(world.grid1_user, grid=world.grid1, summary="土地", description="边界")
    client = login(world.village1_user)
    assert _numbers(client, q="鸭吵闹") == [a.number]
    assert _numbers(client, q="噪音扰民") == [a.number]


def test_a_short_search_finds_the_parties_whose_name_begins_with_it(world, login):
    """One or two characters are too short for the trigram index: they match the start of a
    party's name (indexed), not the middle of a name or the text, and the page says so
    when nothing matches."""
    wang = register(world.grid1_user, grid=world.grid1, applicant="王伟", respondent="赵六", summary="宅基地纠纷")
    wang_qiang = register(world.grid1_user, grid=world.grid1, applicant="钱七", respondent="王伟强", summary="噪音")
    register(world.grid1_user, grid=world.grid1, applicant="李王伟", respondent="孙八", summary="噪音")
    client = login(world.village1_user)
    assert set(_numbers(client, q="王伟")) == {wang.number, wang_qiang.number}
    assert _numbers(client, q=" 王伟 ") == _numbers(client, q="王伟")
    assert set(_numbers(client, q="王")) == {wang.number, wang_qiang.number}
    page = client.get(url("list"), {"q": "宅基"}).content.decode()
    assert "three or more search ledger numbers, names and text" in page
    assert _numbers(client, q="宅基地") == [wang.number]


def test_search_never_reaches_outside_the_jurisdiction(world, login):
    register(world.village3_user, village=world.village3, summary="南湖村纠纷")
    assert _numbers(login(world.village1_user), q="南湖村") == []
    assert _numbers(login(world.village1_user), q="王") == []
    assert _numbers(login(world.village1_user), q="MD-") == []


def test_an_area_outside_the_jurisdiction_is_refused_not_obeyed(world, login):
    own = register(world.grid1_user, grid=world.grid1)
    register(world.village3_user, village=world.village3)
    response = login(world.township1_user).get(url("list"), {"village": world.village3.pk})
    assert "village" in response.context["filter"].form.errors
    assert [d.number for d in response.context["page"].object_list] == [own.number]


def test_filter_choices_are_cut_to_the_jurisdiction(world, login):
    form = login(world.township1_user).get(url("list")).context["filter"].form
    assert "township" not in form.fields
    assert set(form.fields["village"].queryset) == {world.village1, world.village2}
    assert "village" not in login(world.village1_user).get(url("list")).context["filter"].form.fields
    dept_form = login(world.dept1).get(url("list")).context["filter"].form
    assert not {"township", "village", "grid"} & set(dept_form.fields)


def test_filters_by_status_level_category_source_risk_flags_and_area(world, login):
    now = timezone.now()
    a = register(world.grid1_user, grid=world.grid1, category="traffic", risk_level="major", risk_mass_incident=True)
    b = register(world.village2_user, village=world.village2, source="walk_in", vulnerable_party=True)
    c = register(world.village3_user, village=world.village3)
    services.dispute_accept(dispute=b, actor=world.village2_user, at=now)
    services.dispute_escalate(dispute=c, actor=world.village3_user, reason="r", at=now)
    client = login(world.district1)
    assert _numbers(client, category="traffic") == [a.number]
    assert _numbers(client, status="accepted") == [b.number]
    assert _numbers(client, level="township") == [c.number]
    assert set(_numbers(client, source="walk_in")) == {b.number}
    assert _numbers(client, risk_level="major") == [a.number]
    assert _numbers(client, flag="risk_mass_incident") == [a.number]
    assert _numbers(client, flag="vulnerable_party") == [b.number]
    assert set(_numbers(client, flag="any")) == {a.number, b.number}
    assert set(_numbers(client, township=world.township1.pk)) == {a.number, b.number}
    assert _numbers(client, township=world.township1.pk, village=world.village2.pk) == [b.number]
    assert _numbers(client, township=world.township1.pk, village=world.village1.pk, grid=world.grid1.pk) == [a.number]


def test_overdue_filter(world, login):
    late = register(world.grid1_user, grid=world.grid1)
    on_time = register(world.grid1_user, grid=world.grid1)
    Dispute.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    client = login(world.village1_user)
    assert _numbers(client, overdue="yes") == [late.number]
    assert _numbers(client, overdue="no") == [on_time.number]


def test_registered_date_range_uses_local_days(world, login):
    def at(day, hour):  # local time in Shanghai
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    day = days_ago(5)
    early = services.dispute_register(
        actor=world.grid1_user,
        at=at(day, 0),
        source="walk_in",
        category="other",
        summary="早",
        description="d",
        occurred_on=day,
        parties=[PartyData(role="applicant", name="甲")],
        grid=world.grid1,
    )
    late = services.dispute_register(
        actor=world.grid1_user,
        at=at(day, 23),
        source="walk_in",
        category="other",
        summary="晚",
        description="d",
        occurred_on=day,
        parties=[PartyData(role="applicant", name="甲")],
        grid=world.grid1,
    )
    register(world.grid1_user, grid=world.grid1)  # today
    client = login(world.village1_user)
    one_day = {"registered_from": day.isoformat(), "registered_to": day.isoformat()}
    assert set(_numbers(client, **one_day)) == {early.number, late.number}
    assert len(_numbers(client, registered_from=(day + datetime.timedelta(days=1)).isoformat())) == 1


def test_sorting_is_whitelisted(world, login):
    general = register(world.grid1_user, grid=world.grid1, risk_level="general")
    major = register(world.grid1_user, grid=world.grid1, risk_level="major")
    significant = register(world.grid1_user, grid=world.grid1, risk_level="significant")
    client = login(world.village1_user)
    assert _numbers(client, sort="-risk_level") == [major.number, significant.number, general.number]
    assert _numbers(client, sort="risk_level") == [general.number, significant.number, major.number]
    assert _numbers(client, sort="number") == sorted([general.number, major.number, significant.number])
    assert _numbers(client) == [significant.number, major.number, general.number]  # newest first
    response = client.get(url("list"), {"sort": "summary; DROP TABLE"})
    assert response.status_code == 200 and "sort" in response.context["filter"].form.errors
    assert len(response.context["page"].object_list) == 3


def test_column_headers_sort_and_reverse(world, login):
    register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    links = client.get(url("list"), {"status": "registered"}).context["sort_links"]
    assert links["due_at"]["url"] == "?status=registered&sort=due_at"
    links = client.get(url("list"), {"sort": "due_at", "page": 2}).context["sort_links"]
    assert links["due_at"] == {"url": "?sort=-due_at", "arrow": "▲"}


@pytest.mark.parametrize("ids", [0, 1, 5_000])
@pytest.mark.parametrize("who", ["admin", "district1", "township1_user", "village1_user", "village3_user", "station1"])
def test_a_short_name_search_finds_the_same_cases_whatever_its_path(world, login, monkeypatch, ids, who):
    """A one- or two-character search reads the parties' cases first (``among``; on
    PostgreSQL cut to the user's jurisdiction in one query): the same cases, newest first, as
    a plain filter over what the user sees, for every role and past ``SEARCH_IDS``."""
    from disputes.selectors import disputes_visible_to
    from govcenter import filters as shared

    monkeypatch.setattr(shared, "SEARCH_IDS", ids)
    for actor, grid in [(world.grid1_user, world.grid1), (world.grid2_user, world.grid2), (world.village3_user, None)]:
        register(actor, grid=grid, applicant="王伟") if grid else register(
            actor, village=world.village3, applicant="王伟"
        )
    register(world.grid1_user, grid=world.grid1, applicant="李娜")
    user = getattr(world, who)
    expected = [
        d.number
        for d in disputes_visible_to(user)
        .filter(parties__name__startswith="王伟")
        .distinct()
        .order_by("-registered_at", "-pk")
    ]
    client = login(user)
    assert _numbers(client, q="王伟") == expected
    assert _numbers(client, q="赵钱") == []


@pytest.mark.postgres
def test_a_districts_short_name_search_looks_up_only_its_own_cases(world, login):
    """The page's queries are handed the district's matches only, not the province's."""
    import re

    from govcenter.services import area_add_or_update
    from tests.factories import make_grid, make_user

    area_add_or_update(code="330103000000", name="邻区")
    area_add_or_update(code="330103001000", name="邻镇")
    village, _ = area_add_or_update(code="330103001001", name="邻村")
    neighbour = make_user("neighbour", "village_clerk", area=village)
    make_grid(village, 1)
    ours = register(world.grid1_user, grid=world.grid1, applicant="王伟")
    for _ in range(3):
        register(neighbour, village=village, applicant="王伟")
    client = login(world.district1)
    with CaptureQueriesContext(connection) as queries:
        assert _numbers(client, q="王伟") == [ours.number]
    arrays = [re.findall(r"= ANY\('\{([0-9,]*)\}'", q["sql"]) for q in queries]
    handed = [a for found in arrays for a in found]
    assert handed and handed[0].count(",") == 3  # the cut: the province's four matches
    assert all(a == str(ours.pk) for a in handed[1:])  # the page and its count: the district's one
