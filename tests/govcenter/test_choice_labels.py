"""``ChoiceLabels`` (govcenter/choices.py) looks a field's label up instead of rebuilding
every choice on each call: the same labels as Django's own ``get_FOO_display()``, for every
choice field of every model that takes it, every value, both languages, and values outside
the choices (shown as they are)."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from analysis.models import Warning
from disputes.models import Dispute, Party
from govcenter.choices import ChoiceLabels
from grids.models import Resident
from publicity.models import Campaign
from sentiment.models import Log

MODELS = [Dispute, Party, Log, Warning, Resident, Campaign]


def _django_display(instance, field) -> str:
    """Django's own ``Model._get_FIELD_display``, as it is written in django/db/models/base.py."""
    value = getattr(instance, field.attname)
    return force_str(dict(make_hashable(field.flatchoices)).get(make_hashable(value), value), strings_only=True)


def _choice_fields(model):
    return [f for f in model._meta.concrete_fields if f.choices]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_label_is_djangos(model, language):
    assert issubclass(model, ChoiceLabels)
    fields = _choice_fields(model)
    assert fields, f"{model.__name__} has no choice field: it needs no ChoiceLabels"
    with translation.override(language):
        for field in fields:
            for value in [v for v, _label in field.flatchoices] + ["not-a-choice", None]:
                instance = model(**{field.attname: value})
                shown = getattr(instance, f"get_{field.name}_display")()
                assert shown == _django_display(instance, field), (model, field.name, value)
                assert type(shown) is type(_django_display(instance, field))


def test_a_label_follows_the_language_of_each_call():
    dispute = Dispute(status=Dispute.Status.REGISTERED)
    with translation.override("zh-hans"):
        assert dispute.get_status_display() == "待受理"
    with translation.override("en"):
        assert dispute.get_status_display() == "Awaiting acceptance"


def test_a_model_without_the_mixin_keeps_djangos_display():
    assert models.Model._get_FIELD_display is not ChoiceLabels._get_FIELD_display
    assert Dispute._get_FIELD_display is ChoiceLabels._get_FIELD_display
