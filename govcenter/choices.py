"""``get_<field>_display()`` at the cost of one dictionary lookup.

Django's own builds a dictionary of all the field's choices on every call, hashing each
label, and each label is a lazy translation, so every call translates every choice: on the
ledger's page (25 rows, five displays a row) that was a fifth of the rows' time. The models
whose displays the lists and exports call per row take ``ChoiceLabels`` before
``models.Model``; their fields' choices are fixed in the code, so the table of labels is
built once per field and language (translated then: a call translates nothing)."""

from __future__ import annotations

from django.db.models import Field
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

_LABELS: dict[tuple[Field, str | None], dict] = {}


def _labels(field: Field) -> dict:
    """The field's labels translated into the active language, built once per language."""
    key = (field, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {
            make_hashable(value): force_str(label, strings_only=True) for value, label in field.flatchoices
        }
    return labels


class ChoiceLabels:
    """A model mixin (before ``models.Model`` in the bases): the same labels as Django's
    ``get_FOO_display()``, looked up instead of rebuilt."""

    def _get_FIELD_display(self, field: Field):  # noqa: N802 (Django's name)
        value = getattr(self, field.attname)
        label = _labels(field).get(make_hashable(value))
        return force_str(value, strings_only=True) if label is None else label
