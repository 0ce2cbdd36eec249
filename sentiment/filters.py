"""The log list's and the agency matters' filters (django-filter), shared by the list and
the export, so the file holds exactly the rows the list shows.

Always built over the user's visible rows with ``request=``: grid and worker choices
come from the user's jurisdiction, so a filter never offers (or accepts) a grid the
user may not see; a value outside it is refused by the field and the rows stay those
of the jurisdiction.
"""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govcenter.filters import BootstrapFilterSet, request_user
from govcenter.forms import date_input
from govcenter.jurisdiction import sees_residents
from govcenter.models import User
from govcenter.urgent import urgent_filter
from grids.filters import grid_filter
from grids.selectors import grids_visible_to

from .models import AgencyMatter, Log

# The status filter's value for "any status of the reporting flow" (new, reported up, in hand):
# what the statistics page and the dashboard count as open logs.
OPEN_STATUS = "open"


def _workers(request):
    user = request_user(request)
    if user is None:
        return User.objects.none()
    grids = grids_visible_to(user)
    return (
        User.objects.filter(role=User.Role.GRID_WORKER, grid_memberships__grid__in=grids)
        .distinct()
        .order_by("full_name", "username")
    )


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _Styled(BootstrapFilterSet):
    def drop_unless(self, condition: bool, *names: str) -> None:
        if not condition:
            for name in names:
                self.filters.pop(name, None)


class LogFilter(_Styled):
    # Drawn once and kept (govcenter.drawn_filters): its choices are constants, the user's grids
    # and their grid workers. Drawing it took 12 ms of a district's log list and 96 ms of the
    # province's (every grid worker of the province is an option).
    keep_drawn_form = True

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    grid = grid_filter()
    kind = django_filters.ChoiceFilter(choices=Log.Kind.choices, label=_("Kind"), empty_label=_("Any kind"))
    category = django_filters.ChoiceFilter(
        choices=Log.Category.choices, label=_("Category"), empty_label=_("Any category")
    )
    next_step = django_filters.ChoiceFilter(
        choices=Log.NextStep.choices, label=_("Next step"), empty_label=_("Any next step")
    )
    status = django_filters.ChoiceFilter(
        choices=[(OPEN_STATUS, _("In the flow (all)")), *Log.Status.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("Any status"),
    )
    urgent = urgent_filter()
    cosign = django_filters.ChoiceFilter(
        choices=Log.Cosign.choices, label=_("Co-signature"), empty_label=_("Any co-signature")
    )
    worker = django_filters.ModelChoiceFilter(
        queryset=_workers, field_name="recorded_by", label=_("Grid worker"), empty_label=_("All workers")
    )
    date_from = django_filters.DateFilter(method="filter_from", label=_("From"), widget=date_input())
    date_to = django_filters.DateFilter(method="filter_to", label=_("Until"), widget=date_input())

    class Meta:
        model = Log
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = request_user(self.request)
        # Department staff see only the logs assigned to them: no grids to choose from.
        self.drop_unless(user is None or sees_residents(user), "grid", "worker")
        if "q" in self.form.fields:
            self.form.fields["q"].widget.attrs.update({"placeholder": _("Matter or person"), "type": "search"})

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(matter__icontains=value) | Q(visitor_name__icontains=value) | Q(resident__name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == OPEN_STATUS:
            return queryset.in_flow()
        return queryset.filter(status=value)

    def filter_from(self, queryset, name, value):
        # Bounds as instants of local midnight, so the occurred_at indexes serve the range.
        return queryset.filter(occurred_at__gte=local_midnight(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=local_midnight(value + datetime.timedelta(days=1)))


class AgencyFilter(_Styled):
    STATE_CHOICES = (("open", pgettext_lazy("to-do status", "Open")), ("overdue", _("Overdue")), ("done", _("Done")))

    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label=_("Status"), empty_label=_("Open and done")
    )
    grid = grid_filter()
    matter_type = django_filters.ChoiceFilter(
        choices=AgencyMatter.Type.choices, label=_("Matter type"), empty_label=_("Any type")
    )

    class Meta:
        model = AgencyMatter
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status=AgencyMatter.Status.OPEN)
        if value == "overdue":
            return queryset.filter(status=AgencyMatter.Status.OPEN, due_on__lt=timezone.localdate())
        if value == "done":
            return queryset.filter(status=AgencyMatter.Status.DONE)
        return queryset
