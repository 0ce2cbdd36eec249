"""Reads for the project-level pages (home / dashboard)."""

from __future__ import annotations

from django.db.models import Count

from grids.models import CareTag
from grids.selectors import grids_visible_to, residents_visible_to


def jurisdiction_overview(user) -> dict:
    """Figures for the home page, in a constant number of queries (6)."""
    grids = grids_visible_to(user)
    residents = residents_visible_to(user)
    tag_counts = dict(
        residents.filter(care_tags__isnull=False)
        .order_by()
        .values("care_tags")
        .annotate(n=Count("pk"))
        .values_list("care_tags", "n")
    )
    return {
        "n_grids": grids.count(),
        "n_without_police": grids.without_police().count(),
        "n_without_worker": grids.without_worker().count(),
        "n_residents": residents.count(),
        "care_tags": [(tag, tag_counts.get(tag.pk, 0)) for tag in CareTag.objects.all()],
    }
