"""``get_<field>_display()`` at the cost of one dictionary lookup.

Django's own builds a dictionary of all the field's choices on every call, hashing each
label, and each label is a lazy translation, so every call translates every choice: on the
ledger's page (25 rows, five displays a row) that was a fifth of the rows' time. The models
whose displays the lists and exports call per row take ``ChoiceLabels`` before
``models.Model``; their fields' choices are fixed in the code, so the table of labels is
built once per field (the labels stay lazy: each call translates the one it returns, in the
language of the request)."""

from __future__ import annotations

from django.db.models import Field
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict[Field, dict] = {}


def _labels(field: Field) -> dict:
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = {make_hashable(value): label for value, label in field.flatchoices}
    return labels


class ChoiceLabels:
    """A model mixin (before ``models.Model`` in the bases): the same labels as Django's
    ``get_FOO_display()``, looked up instead of rebuilt."""

    def _get_FIELD_display(self, field: Field):  # noqa: N802 (Django's name)
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
