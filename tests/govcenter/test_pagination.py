"""Paging without a total (``govcenter.pagination``), shared by the ledger, the log lists,
the resident list and the publicity lists: one row more than a page to know whether a
next page exists, an old link past the end falls back to page 1, and a capped count
whose query stops at the cap."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from govcenter import pagination
from govcenter.models import Area
from govcenter.pagination import CappedCount, WindowPage, capped_count, capped_counts, page_number


def _areas(n: int):
    for i in range(n):
        Area.objects.add_root({"code": f"99{i:03d}1000000", "name": f"区{i}", "level": Area.Level.DISTRICT})
    return Area.objects.filter(code__startswith="99").order_by("code")


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        (" 2 ", 2),
        ("0", 1),
        ("-2", 1),
        ("x", 1),
        ("1.5", 1),
        (str(pagination.MAX_PAGE), pagination.MAX_PAGE),
        (str(pagination.MAX_PAGE + 1), 1),
        ("9223372036854775807", 1),
        ("9" * 20, 1),
        ("0" * 30 + "2", 1),
    ],
)
def test_page_number_is_a_positive_integer_or_one(raw, number):
    assert page_number(raw) == number


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["9223372036854775807", "9" * 20, str(pagination.MAX_PAGE)])
def test_a_page_number_too_large_for_the_database_shows_page_one(raw):
    """Its OFFSET would not fit a 64-bit integer (SQLite: "Python int too large to convert
    to SQLite INTEGER", PostgreSQL: "bigint out of range")."""
    page = WindowPage.from_request(RequestFactory().get("/", {"page": raw}), _areas(3), 25)
    assert page.number == 1 and len(page) == 3


@pytest.mark.django_db
def test_a_page_knows_its_neighbours_without_counting():
    qs = _areas(5)
    first = WindowPage(qs, 1, 2)
    assert [a.code for a in first] == ["990001000000", "990011000000"] and len(first) == 2
    assert first.has_next() and not first.has_previous() and first.has_other_pages()
    assert (first.start_index, first.end_index, first.next_page_number()) == (1, 2, 2)
    last = WindowPage(qs, 3, 2)
    assert [a.code for a in last] == ["990041000000"]
    assert not last.has_next() and last.has_previous() and last.previous_page_number() == 2
    assert (last.start_index, last.end_index) == (5, 5)
    assert last.paginator is None  # templates show "Page n", not "Page n of m"


@pytest.mark.django_db
def test_a_page_fetches_one_row_more_than_it_shows():
    qs = _areas(5)
    with CaptureQueriesContext(connection) as ctx:
        WindowPage(qs, 2, 2)
    (query,) = ctx.captured_queries
    assert "LIMIT 3" in query["sql"].upper() and "COUNT" not in query["sql"].upper()


@pytest.mark.django_db
def test_an_old_link_past_the_end_shows_page_one():
    qs = _areas(3)
    page = WindowPage.from_request(RequestFactory().get("/", {"page": "9"}), qs, 2)
    assert page.number == 1 and len(page) == 2 and page.has_next()
    assert WindowPage.from_request(RequestFactory().get("/", {"page": "junk"}), qs, 2).number == 1


@pytest.mark.django_db
def test_a_single_page_has_no_other_pages():
    page = WindowPage(_areas(2), 1, 2)
    assert not page.has_other_pages()
    empty = WindowPage(Area.objects.none(), 1, 2)
    assert (empty.start_index, empty.end_index, len(empty)) == (0, 0, 0)


@pytest.mark.django_db
def test_the_count_query_stops_at_the_cap(monkeypatch):
    qs = _areas(3)
    with CaptureQueriesContext(connection) as ctx:
        assert capped_count(qs) == CappedCount(value=3, capped=False)
    (query,) = ctx.captured_queries
    assert "LIMIT 1001" in query["sql"].upper()
    assert capped_count(qs, cap=2) == CappedCount(value=2, capped=True)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    assert capped_count(qs) == CappedCount(value=3, capped=False)


@pytest.mark.django_db
def test_several_capped_counts_are_one_query_and_each_what_counting_gives():
    areas = _areas(5)
    querysets = [areas, areas.filter(name__in=["区1", "区3"]), areas.none(), areas.filter(name="区4"), areas]
    querysets.append(areas.filter(pk__in=[]))  # can match nothing: counted without SQL
    with CaptureQueriesContext(connection) as ctx:
        counts = capped_counts(querysets, cap=3)
    assert len(ctx.captured_queries) == 1 and ctx.captured_queries[0]["sql"].upper().count("LIMIT 3") == 4
    # Recomputed: each queryset counted whole, then capped.
    assert counts == [min(len(list(qs)), 3) for qs in querysets] == [3, 2, 0, 1, 3, 0]
    assert capped_counts(querysets[:1], cap=100) == [5]
    assert capped_counts([], cap=3) == []


@pytest.mark.django_db
def test_one_pagination_template_serves_window_pages_and_counted_pages():
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    qs = _areas(5)
    request = RequestFactory().get("/", {"q": "东山", "page": "2"})
    window = render_to_string("_pagination.html", {"page": WindowPage(qs, 2, 2)}, request=request)
    assert '<span class="page-link">Page 2</span>' in window
    assert 'href="?q=%E4%B8%9C%E5%B1%B1&amp;page=3" rel="next"' in window  # the filter is kept
    assert "d-print-none" in window  # pagers are not printed
    counted = render_to_string("_pagination.html", {"page": Paginator(qs, 2).get_page(2)}, request=request)
    assert '<span class="page-link">Page 2 of 3</span>' in counted
    assert render_to_string("_pagination.html", {"page": WindowPage(qs, 1, 5)}, request=request).strip() == ""
