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

from django.db import DEFAULT_DB_ALIAS, connections, models

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
    """(model, pk, [values...]) for every wanted row, from one UNION ALL.

    Written as SQL rather than as querysets joined by ``union``: the statement is a handful
    of primary-key lookups, and Django took longer to compile the five querysets of a ledger
    page (annotations, padding, the compound query) than the database took to answer them.
    Every name in it is quoted by the connection, every id is a parameter."""
    connection = connections[db or DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    models_in_order = list(wanted)
    width = max(len(columns) for columns, _ids in wanted.values())
    parts, params = [], []
    for index, model in enumerate(models_in_order):
        columns, ids = wanted[model]
        meta = model._meta
        selected = []
        for column in columns:
            field = meta.get_field(column)
            kind = field.get_internal_type()
            if kind not in _TEXT:
                raise ValueError(f"attach reads text columns only: {model.__name__}.{column} is a {kind}")
            selected.append(quote(field.column))
        selected += ["''"] * (width - len(columns))
        pk = quote(meta.pk.column)
        placeholders = ", ".join(["%s"] * len(ids))
        parts.append(
            f"SELECT {index}, {pk}, {', '.join(selected)} FROM {quote(meta.db_table)} WHERE {pk} IN ({placeholders})"
        )
        params += sorted(ids)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for model_index, pk, *values in rows:
        yield models_in_order[model_index], pk, values
