"""The few columns a list shows of the rows its rows point to, in one query for them all.

A ledger row names its village, township, grid, handler and department. Joined to the row
query, those four or five LEFT JOINs made PostgreSQL spend 2 ms planning a query that ran
in 0.3 (the dispute table has 28 indexes, weighed again for every join order), and Django
built one related object per row and relation. Prefetched, they are four or five more
queries. ``attach`` reads them in one: a UNION ALL of one primary-key lookup per related
table, each cheap to plan, and makes one object per distinct row, with only the columns
asked for (reading another one would query: tests forbid that for the lists that use it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models
from django.db.models import CharField, IntegerField, Value

_TEXT = ("CharField", "TextField")


def attach(rows: Sequence[models.Model], relations: dict[str, Sequence[str]]) -> Sequence[models.Model]:
    """Set the forward foreign keys named in ``relations`` on each of ``rows`` (all of one
    model), each related object read with only the text columns listed for it: e.g.
    ``{"village": ("name",), "handler": ("username", "full_name")}``. Relations to the same
    model are read together. One query, none when no row points anywhere."""
    if not rows:
        return rows
    meta = type(rows[0])._meta
    fields = [meta.get_field(name) for name in relations]
    # Per related model: the columns asked for (in a fixed order) and the ids wanted.
    wanted: dict[type[models.Model], tuple[list[str], set[int]]] = {}
    for field in fields:
        columns, ids = wanted.setdefault(field.related_model, ([], set()))
        for column in relations[field.name]:
            if column not in columns:
                columns.append(column)
        ids.update(pk for row in rows if (pk := getattr(row, field.attname)) is not None)
    wanted = {model: (columns, ids) for model, (columns, ids) in wanted.items() if ids}
    found: dict[type[models.Model], dict[int, models.Model]] = {model: {} for model in wanted}
    if wanted:
        db = rows[0]._state.db
        for model, pk, values in _read(wanted, db):
            columns = wanted[model][0]
            found[model][pk] = model.from_db(db, ["id", *columns], [pk, *values[: len(columns)]])
    for field in fields:
        objects = found.get(field.related_model, {})
        for row in rows:
            pk = getattr(row, field.attname)
            field.set_cached_value(row, None if pk is None else objects.get(pk))
    return rows


def _read(wanted: dict[type[models.Model], tuple[list[str], set[int]]], db: str | None) -> Iterable[tuple]:
    """(model, pk, [values...]) for every wanted row, from one UNION ALL."""
    models_in_order = list(wanted)
    width = max(len(columns) for columns, _ids in wanted.values())
    parts = []
    for index, model in enumerate(models_in_order):
        columns, ids = wanted[model]
        for column in columns:
            kind = model._meta.get_field(column).get_internal_type()
            if kind not in _TEXT:
                raise ValueError(f"attach reads text columns only: {model.__name__}.{column} is a {kind}")
        padding = {f"_pad{i}": Value("", output_field=CharField()) for i in range(len(columns), width)}
        part = (
            model._default_manager.db_manager(db)
            .filter(pk__in=sorted(ids))
            .order_by()
            .annotate(_model=Value(index, output_field=IntegerField()), **padding)
            .values_list("_model", "pk", *columns, *padding)
        )
        parts.append(part)
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for model_index, pk, *values in query:
        yield models_in_order[model_index], pk, values
