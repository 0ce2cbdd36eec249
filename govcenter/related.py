"""The few columns a list shows of the rows its rows point to, and of the rows that point to
them, in one query for them all.

A ledger row names its village, township, grid, handler and department. Joined to the row
query, those four or five LEFT JOINs made PostgreSQL spend 2 ms planning a query that ran
in 0.3 (the dispute table has 28 indexes, weighed again for every join order), and Django
built one related object per row and relation. Prefetched, they are four or five more
queries. ``attach`` reads them in one: a UNION ALL of one primary-key lookup per related
table, each cheap to plan, and makes one object per distinct row, with only the columns
asked for (reading another one would query: tests forbid that for the lists that use it).

A row also shows some of the rows that point to it (a case's parties, its transfer to the
police): ``Gather`` asks for those in the same UNION ALL, by their foreign key, as plain
tuples. On a ledger page that made one query of what had been four, each of which cost more
in the round trip and Django's machinery than in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, models

_TEXT = ("CharField", "TextField")


@dataclass(frozen=True)
class Gather:
    """The rows of ``model`` whose foreign key ``key`` points to one of attach's rows, read
    in attach's query and set on each of its rows, under the name they are gathered by, as
    a list of tuples ``(pk, value, ...)`` in primary-key order. ``columns`` are text columns
    of ``model``, or ``relation__column``: a text column of the row it points to (a
    subquery by primary key, not a join). ``of(row)`` says which rows want theirs (default:
    all); the others get nothing set."""

    model: type[models.Model]
    key: str
    columns: tuple[str, ...]
    of: Callable[[models.Model], bool] | None = None


@dataclass(frozen=True)
class _Part:
    """One SELECT of the UNION ALL: ``model``'s rows whose ``key`` column is one of ``ids``."""

    model: type[models.Model]
    key: str  # a column of the model's table (its primary key, or a foreign key)
    columns: Sequence[str]
    ids: set[int]


def attach(
    rows: Sequence[models.Model],
    relations: dict[str, Sequence[str]],
    gather: dict[str, Gather] | None = None,
) -> Sequence[models.Model]:
    """Set the forward foreign keys named in ``relations`` on each of ``rows`` (all of one
    model), each related object read with only the text columns listed for it: e.g.
    ``{"village": ("name",), "handler": ("username", "full_name")}``. Relations to the same
    model are read together. With ``gather``, the rows that point to them too (``Gather``).
    One query, none when there is nothing to read."""
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
    parts = [_Part(model, model._meta.pk.column, columns, ids) for model, (columns, ids) in wanted.items() if ids]
    # The related rows found, per model (the parts so far); the gathered ones, per part.
    found: dict[type[models.Model], dict[int, models.Model]] = {part.model: {} for part in parts}
    gathering: dict[int, tuple[str, list[models.Model]]] = {}
    for name, spec in (gather or {}).items():
        wanting = [row for row in rows if spec.of is None or spec.of(row)]
        if wanting:
            gathering[len(parts)] = (name, wanting)
            key = spec.model._meta.get_field(spec.key).column
            parts.append(_Part(spec.model, key, spec.columns, {row.pk for row in wanting}))
    collected: dict[int, dict[int, list[tuple]]] = {index: {} for index in gathering}
    if parts:
        db = rows[0]._state.db
        for index, key, pk, values in _read(parts, db):
            if index in gathering:
                collected[index].setdefault(key, []).append((pk, *values[: len(parts[index].columns)]))
                continue
            model = parts[index].model
            columns = parts[index].columns
            found[model][key] = model.from_db(db, ["id", *columns], [key, *values[: len(columns)]])
    for field in fields:
        objects = found.get(field.related_model, {})
        for row in rows:
            pk = getattr(row, field.attname)
            field.set_cached_value(row, None if pk is None else objects.get(pk))
    for index, (name, wanting) in gathering.items():
        by_key = collected[index]
        for row in wanting:
            setattr(row, name, sorted(by_key.get(row.pk, ())))
    return rows


def _read(parts: list[_Part], db: str | None) -> Iterable[tuple]:
    """(part index, key, pk, [values...]) for every row the parts select, from one UNION ALL.

    Written as SQL rather than as querysets joined by ``union``: the statement is a handful
    of lookups by key, and Django took longer to compile the five querysets of a ledger page
    (annotations, padding, the compound query) than the database took to answer them. Every
    name in it is quoted by the connection, every id is a parameter."""
    connection = connections[db or DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    width = max(len(part.columns) for part in parts)
    selects, params = [], []
    for index, part in enumerate(parts):
        meta = part.model._meta
        table = quote(meta.db_table)
        selected = [_text_column(part.model, column, table, quote) for column in part.columns]
        selected += ["''"] * (width - len(part.columns))
        key, pk = f"{table}.{quote(part.key)}", f"{table}.{quote(meta.pk.column)}"
        placeholders = ", ".join(["%s"] * len(part.ids))
        selects.append(
            f"SELECT {index}, {key}, {pk}, {', '.join(selected)} FROM {table} WHERE {key} IN ({placeholders})"
        )
        params += sorted(part.ids)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    for index, key, pk, *values in rows:
        yield index, key, pk, values


def _text_column(model: type[models.Model], column: str, table: str, quote: Callable[[str], str]) -> str:
    """The SQL of a text column of ``model`` (``table``), or of ``relation__column``: that
    column of the row the relation points to, by a subquery on its primary key."""
    relation, _, target = column.rpartition("__")
    field = model._meta.get_field(target if not relation else relation)
    if relation:
        related = field.related_model._meta
        inner = related.get_field(target)
        _require_text(field.related_model, inner)
        other = quote(related.db_table)
        return (
            f"(SELECT {other}.{quote(inner.column)} FROM {other} "
            f"WHERE {other}.{quote(related.pk.column)} = {table}.{quote(field.column)})"
        )
    _require_text(model, field)
    return f"{table}.{quote(field.column)}"


def _require_text(model: type[models.Model], field) -> None:
    kind = field.get_internal_type()
    if kind not in _TEXT:
        raise ValueError(f"attach reads text columns only: {model.__name__}.{field.name} is a {kind}")
