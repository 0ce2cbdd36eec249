"""The statistics' "open now" counts read only columns that the open rows' partial indexes
carry (``OPEN_FIGURES``), so that PostgreSQL answers them from the index alone at a
province's scale (make bench: 120-180 ms a query through the heap, 20-30 ms from the index).
A new column in those counts must join the index, or this fails."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from analysis import activity, figures
from disputes.models import OPEN_FIGURES as DISPUTE_COLUMNS
from disputes.models import Dispute
from sentiment.models import OPEN_FIGURES as LOG_COLUMNS
from sentiment.models import Log


def _columns(queryset, table: str) -> set[str]:
    sql = str(queryset.query)
    return set(re.findall(rf'"{table}"\."(\w+)"', sql))


def _index(model, name: str) -> set[str]:
    index = next(i for i in model._meta.indexes if i.name == name)
    return {model._meta.get_field(f).column for f in index.fields} | {
        model._meta.get_field(f).column for f in index.include
    }


@pytest.mark.parametrize(
    "name, scope, dimensions",
    [
        # A district's (or the province's) figures, broken down by every dimension.
        ("dispute_open_district", "district_id", list(figures.TALLY_GROUPS)),
        # A township's: its villages, never its district or township.
        ("dispute_open_township", "township_id", ["category", "source", "risk_level", "level", "village"]),
    ],
)
def test_the_open_dispute_counts_read_only_the_indexed_columns(name, scope, dimensions):
    period = figures.Period.of_dates(timezone.localdate(), timezone.localdate())
    disputes = Dispute.objects.filter(**{scope: 1})
    open_rows, expressions = figures._live(disputes, period, timezone.now())[0]
    read = set()
    for dimension in dimensions:
        grouped = open_rows.annotate(key=figures.DIMENSIONS[dimension]).order_by().values("key").annotate(**expressions)
        read |= _columns(grouped, "disputes_dispute")
    assert read >= {"status", "category", "due_at", "supervised_at", "result_level"}  # the check reads the SQL
    assert read <= _index(Dispute, name)
    assert set(DISPUTE_COLUMNS) <= {f.column for f in Dispute._meta.fields}


@pytest.mark.parametrize("name, scope", [("log_district_queue", "district_id"), ("log_township_queue", "township_id")])
def test_the_open_log_counts_read_only_the_indexed_columns(name, scope):
    period = figures.Period.of_dates(timezone.localdate(), timezone.localdate())
    expressions = activity._log_expressions(period, timezone.now())
    read = set()
    for dimension in ("kind", "category"):
        grouped = (
            Log.objects.filter(**{scope: 1}, status__in=Log.OPEN_FLOW_STATUSES)
            .order_by()
            .values(dimension)
            .annotate(open=expressions["open"], overdue=expressions["overdue"])
        )
        read |= _columns(grouped, "sentiment_log")
    assert read >= {"status", "kind", "category", "due_at"}
    assert read <= _index(Log, name)
    assert set(LOG_COLUMNS) <= {f.column for f in Log._meta.fields}
