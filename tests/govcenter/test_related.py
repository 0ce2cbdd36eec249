"""``govcenter.related.attach``: the names a list shows of what its rows point to (the
ledger's places, handler and department) and, with ``Gather``, of the rows that point to them
(its parties, its transfer), read in one query, each related row once, with only the columns
asked for, and the same values as following the foreign keys."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.models import Dispute
from govcenter.related import attach
from tests.disputes.ledger_helpers import register

pytestmark = pytest.mark.usefixtures("world_for_the_module")

NAMES = {
    "village": ("name",),
    "township": ("name",),
    "grid": ("name",),
    "department": ("name",),
    "handler": ("full_name", "username"),
}


@pytest.fixture
def rows(world):
    """Cases with and without a grid, a handler and a department, two in the same village."""
    w = world
    made = [
        register(w.grid1_user, grid=w.grid1, summary="网格内"),
        register(w.grid1_user, grid=w.grid1, summary="同村同网格"),
        register(w.village3_user, village=w.village3, summary="无网格"),
        register(w.township1_user, township=w.township1, summary="乡镇登记"),
    ]
    Dispute.objects.filter(pk=made[0].pk).update(handler=w.village1_user, department=w.department)
    Dispute.objects.filter(pk=made[2].pk).update(handler=w.dept1)
    return Dispute.objects.filter(pk__in=[d.pk for d in made]).order_by("pk")


def _names(d: Dispute) -> tuple:
    """What NAMES reads of a case: each relation's columns, None where it has none."""
    return (
        d.village and d.village.name,
        d.township and d.township.name,
        d.grid and d.grid.name,
        d.department and d.department.name,
        d.handler and (d.handler.full_name, d.handler.username),
    )


def test_one_query_gives_every_relation_the_values_the_foreign_keys_give(rows):
    lean = list(rows.only("number", "village", "township", "grid", "department", "handler"))
    with CaptureQueriesContext(connection) as queries:
        attach(lean, NAMES)
    assert len(queries) == 1 and "UNION ALL" in queries.captured_queries[0]["sql"]
    with CaptureQueriesContext(connection) as reads:
        shown = [_names(d) for d in lean]
    assert not reads.captured_queries
    # Recomputed by following each foreign key on fresh rows.
    expected = [_names(d) for d in Dispute.objects.filter(pk__in=[d.pk for d in lean]).order_by("pk")]
    assert shown == expected
    assert any(s[3] for s in shown) and any(s[3] is None for s in shown) and any(s[2] is None for s in shown)


def test_each_related_row_is_read_once_with_only_the_columns_asked(rows, world):
    lean = attach(list(rows.only("village", "township", "grid", "handler")), NAMES)
    first, second = lean[0], lean[1]
    assert first.village is second.village and first.township is second.township
    assert first.village.get_deferred_fields() >= {"path", "code", "level"}
    assert "name" not in first.village.get_deferred_fields()
    assert first.handler.get_deferred_fields() >= {"password", "role", "area_id"}


def test_nothing_to_read_is_no_query(world):
    dispute = Dispute(village=None, township=None, grid=None, handler=None, department=None)
    with CaptureQueriesContext(connection) as queries:
        attach([dispute], NAMES)
        assert dispute.village is None and dispute.handler is None
    assert not queries.captured_queries
    assert attach([], NAMES) == []


def test_only_text_columns_can_be_read(rows):
    with pytest.raises(ValueError, match="text columns only"):
        attach(list(rows), {"village": ("name", "depth")})


# --- Gather: the rows that point to them, in the same query ----------------------------------


def test_gathered_rows_come_in_the_same_query_as_tuples_in_key_order(rows, world):
    from disputes.models import Party, PoliceTransfer
    from govcenter.related import Gather

    lean = list(rows.only("number", "status", "village", "township", "grid", "department", "handler"))
    transferred = lean[1]
    PoliceTransfer.objects.create(
        dispute=transferred,
        station=world.station,
        reason="涉嫌违法",
        from_level="village",
        transferred_by=world.village1_user,
        transferred_at=transferred.registered_at,
        case_number="A-1",
    )
    gather = {
        "party_rows": Gather(Party, "dispute", ("role", "name")),
        "transfer_rows": Gather(
            PoliceTransfer, "dispute", ("case_number", "station__name"), of=lambda d: d is transferred
        ),
    }
    with CaptureQueriesContext(connection) as queries:
        attach(lean, NAMES, gather)
    assert len(queries) == 1
    for dispute in lean:
        expected = [(p.pk, p.role, p.name) for p in Party.objects.filter(dispute=dispute).order_by("pk")]
        assert dispute.party_rows == expected and len(expected) == 2
    transfer = PoliceTransfer.objects.get(dispute=transferred)
    assert transferred.transfer_rows == [(transfer.pk, "A-1", world.station.name)]
    # Only the rows ``of`` picks get theirs; the others get nothing set.
    assert not any(hasattr(d, "transfer_rows") for d in lean if d is not transferred)
    # The names were read in that same query too.
    assert [_names(d) for d in lean] == [_names(d) for d in rows]


def test_gathering_alone_or_nothing_to_gather(rows):
    from disputes.models import Party
    from govcenter.related import Gather

    lean = list(rows.only("number"))
    with CaptureQueriesContext(connection) as queries:
        attach(lean, {}, {"party_rows": Gather(Party, "dispute", ("name",), of=lambda d: False)})
    assert not queries.captured_queries and not hasattr(lean[0], "party_rows")
    attach(lean, {}, {"party_rows": Gather(Party, "dispute", ("name",))})
    assert all(len(d.party_rows) == 2 for d in lean)


def test_a_related_column_must_be_text_too(rows):
    from disputes.models import PoliceTransfer
    from govcenter.related import Gather

    with pytest.raises(ValueError, match="text columns only"):
        attach(list(rows), {}, {"t": Gather(PoliceTransfer, "dispute", ("station__id",))})
