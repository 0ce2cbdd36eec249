"""List filters of the publicity pages (django-filter).

Every choice list is cut to the requesting user's jurisdiction, so a filter never
offers (or accepts) a campaign, township, village or grid the user may not see.
Construct them with ``request=`` (the views do).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govcenter.filters import BootstrapFilterSet, request_user
from govcenter.forms import date_input
from grids.filters import grid_filter, township_filter, village_filter

from .models import Activity, Assignment, Campaign, PublicityForm, Topic
from .selectors import campaigns_visible_to


def _campaigns(request):
    user = request_user(request)
    if user is None:
        return Campaign.objects.none()
    return (
        campaigns_visible_to(user)
        .filter(status__in=(Campaign.Status.DISTRIBUTED, Campaign.Status.CLOSED))
        .order_by("-starts_on", "-pk")
    )


class CampaignFilter(BootstrapFilterSet):
    # Drawn once and kept (govcenter/drawn_filters.py): its choices are constants.
    keep_drawn_form = True

    q = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label=_("Title"),
        widget=forms.TextInput(attrs={"placeholder": _("Part of a title")}),
    )
    status = django_filters.ChoiceFilter(
        choices=Campaign.Status.choices, field_name="status", label=_("Status"), empty_label=_("Any status")
    )
    topic = django_filters.ChoiceFilter(
        choices=Topic.choices, field_name="topic", label=_("Topic"), empty_label=_("Any topic")
    )
    # The period filter finds campaigns running at some time between the two dates.
    period_from = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="gte", label=_("Running from"), widget=date_input()
    )
    period_to = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="lte", label=_("Running until"), widget=date_input()
    )

    class Meta:
        model = Campaign
        fields: list[str] = []


class AssignmentFilter(BootstrapFilterSet):
    # Drawn once and kept (govcenter/drawn_filters.py): campaigns (watched in apps.py, and a
    # hand-out forgets it) and the user's places.
    keep_drawn_form = True

    STATE_CHOICES = (
        ("open", _("Not done")),
        ("overdue", _("Overdue")),
        ("done", _("Done")),
        ("covered", _("With activities")),
        ("uncovered", _("Without activities")),
    )

    campaign = django_filters.ModelChoiceFilter(
        queryset=_campaigns, field_name="campaign", label=_("Campaign"), empty_label=_("All campaigns")
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label=_("State"), empty_label=_("Any state")
    )
    township = township_filter()
    village = village_filter()
    grid = grid_filter()

    class Meta:
        model = Assignment
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "overdue":
            return queryset.overdue(timezone.localdate())
        if value == "done":
            return queryset.done()
        has_activity = Q(pk__in=Activity.objects.values("assignment_id"))
        if value == "covered":
            return queryset.filter(has_activity)
        if value == "uncovered":
            return queryset.exclude(has_activity)
        return queryset


class ActivityFilter(BootstrapFilterSet):
    # Drawn once and kept, as AssignmentFilter: drawing it was 22 ms of a district's activity list.
    keep_drawn_form = True

    campaign = django_filters.ModelChoiceFilter(
        queryset=_campaigns, field_name="assignment__campaign", label=_("Campaign"), empty_label=_("All campaigns")
    )
    form = django_filters.ChoiceFilter(
        choices=PublicityForm.choices, field_name="log__publicity_form", label=_("Form"), empty_label=_("Any form")
    )
    township = township_filter("assignment__township")
    village = village_filter("assignment__village")
    grid = grid_filter("assignment__grid")
    assignment = django_filters.NumberFilter(field_name="assignment", widget=forms.HiddenInput)
    held_from = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=_("Held from"), widget=date_input()
    )
    held_to = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", label=_("Held until"), widget=date_input()
    )

    class Meta:
        model = Activity
        fields: list[str] = []
