"""Paging without counting: a page fetches one row more than it shows to know whether a
next page exists. Counting a county's million logs a year on every page view is the cost
DESIGN.md rules out."""

from __future__ import annotations

from django.db.models import QuerySet


def _page_number(value) -> int:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


class WindowPage:
    """One page of ``queryset`` by offset, with previous / next but no total."""

    paginator = None

    def __init__(self, queryset: QuerySet, number: int, per_page: int):
        self.number = max(number, 1)
        self.per_page = per_page
        start = (self.number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self._has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.start_index = start + 1 if self.object_list else 0

    @classmethod
    def from_request(cls, request, queryset: QuerySet, per_page: int) -> WindowPage:
        number = _page_number(request.GET.get("page"))
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
