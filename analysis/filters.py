"""The warning inbox's filters (django-filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from govcenter.filters import BootstrapFilterSet

from .models import Warning, WarningRule

OPEN = "open_all"


def _state(queryset, name, value):
    if value == OPEN:
        return queryset.exclude(status=Warning.Status.CLOSED)
    return queryset.filter(status=value)


class WarningFilter(BootstrapFilterSet):
    rule = django_filters.ChoiceFilter(
        field_name="rule__kind", choices=WarningRule.Kind.choices, label=_("Rule"), empty_label=_("Every rule")
    )
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, _("Open (all)")), *Warning.Status.choices],
        method=_state,
        label=_("State"),
        empty_label=_("Every state"),
    )
    urgent = django_filters.ChoiceFilter(
        choices=(("yes", _("Urgent only")),),
        method=lambda qs, name, value: qs.filter(urgent_at__isnull=False) if value == "yes" else qs,
        label=_("Urgency"),
        empty_label=_("Urgent or not"),
    )

    class Meta:
        model = Warning
        fields = ["rule", "status", "urgent"]
