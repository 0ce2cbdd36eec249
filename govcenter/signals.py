"""Signals of the case-workflow kernel.

``rows_updated``: sent after a queryset ``.update()`` on the rows of a case-like model
(a conditional UPDATE does not send ``post_save``), inside the same transaction, so that
what keeps figures derived from those rows (``analysis.tallies``) can follow without the
kernel or the apps importing it. Receivers get ``sender`` (the model), ``pks`` and
``fields`` (the names of the columns written).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

rows_updated = Signal()


def send_rows_updated(model, pks: Iterable[int], fields: Iterable[str]) -> None:
    """Tell the receivers that ``fields`` of ``model``'s rows ``pks`` were written by an UPDATE."""
    pks = [pk for pk in pks if pk is not None]
    if pks:
        rows_updated.send(sender=model, pks=pks, fields=frozenset(fields))
