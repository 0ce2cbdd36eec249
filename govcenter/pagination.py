"""Paging without counting the whole table.

An exact ``COUNT(*)`` of a province's ledger, a county's million logs a year or half a
million residents on every page view is the cost DESIGN.md rules out. A page fetches
one row more than it shows to know whether a next page exists, and where a list shows
a total it is counted only up to a cap ("about 1,000+" beyond it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 1000
# No list is that long (100,000,000 logs at 25 a page are 4,000,000 pages); a larger number
# is junk or an old link, and its OFFSET would not fit the database's 64-bit integers.
MAX_PAGE = 10_000_000


def page_number(value) -> int:
    """The page asked for in ``?page=``: a positive integer up to MAX_PAGE, else 1 (never
    raises on junk)."""
    value = str(value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_PAGE)):
        return 1
    number = int(value)
    return number if 0 < number <= MAX_PAGE else 1


class WindowPage:
    """One page of ``queryset`` by offset, with previous / next but no page total."""

    # Templates tell this page from a counted Django Page by ``page.paginator``.
    paginator = None

    def __init__(self, queryset: QuerySet, number: int, per_page: int):
        self.number = max(number, 1)
        self.per_page = per_page
        start = (self.number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self._has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.start_index = start + 1 if self.object_list else 0
        self.end_index = start + len(self.object_list)

    @classmethod
    def from_request(cls, request, queryset: QuerySet, per_page: int) -> WindowPage:
        number = page_number(request.GET.get("page"))
        page = cls(queryset, number, per_page)
        if not page.object_list and number > 1:  # past the end (an old link): page 1
            page = cls(queryset, 1, per_page)
        return page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self._has_next or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


@dataclass(frozen=True)
class CappedCount:
    value: int
    capped: bool

    @classmethod
    def of(cls, counted: int, cap: int) -> CappedCount:
        """From rows counted up to ``cap + 1``: more than ``cap`` is "about cap+"."""
        return cls(value=min(counted, cap), capped=counted > cap)


def capped_count(queryset: QuerySet, cap: int | None = None) -> CappedCount:
    """Count the rows of ``queryset`` but stop at ``cap`` (COUNT_CAP):
    ``SELECT COUNT(*) FROM (SELECT id ... LIMIT cap+1)``, so the cost is bounded by the cap."""
    cap = COUNT_CAP if cap is None else cap
    return CappedCount.of(queryset.order_by().values("pk")[: cap + 1].count(), cap)


def capped_counts(querysets: Sequence[QuerySet], cap: int) -> list[int]:
    """The rows of each of ``querysets`` counted up to ``cap``, all in one query:
    ``SELECT (SELECT COUNT(*) FROM (SELECT id ... LIMIT cap) ...), (...)``, each count bounded
    by the cap as ``capped_count``'s is. For the small counts every page shows (the navbar's
    badges): a round trip each cost more than the counting. All on one database."""
    if not querysets:
        return []
    parts, params = [], []
    for index, queryset in enumerate(querysets):
        try:
            sql, part_params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
        except EmptyResultSet:  # a queryset that can match nothing (``none()``, ``pk__in=[]``)
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted{index})")
        params += part_params
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return list(cursor.fetchone())
