"""List filters for grids and residents (django-filter).

Every choice list is cut to the requesting user's jurisdiction through
``grids.selectors``, so a filter never offers (or accepts) a township, village or
grid the user may not see. Construct them with ``request=`` (the views do).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govcenter.filters import BootstrapFilterSet, among, request_user
from govcenter.jurisdiction import scope_of
from govcenter.models import Area

from .models import CareTag, Grid, Resident, ResidentQuerySet
from .selectors import areas_visible_to, grids_visible_to, villages_visible_to


# The choices of a township / village / grid filter: those of the user's jurisdiction
# (a filter's ``queryset=`` callable, given the request). The publicity and sentiment
# filters use them too.
def visible_townships(request):
    user = request_user(request)
    if user is None:
        return Area.objects.none()
    return areas_visible_to(user).filter(level=Area.Level.TOWNSHIP).order_by("code")


def visible_villages(request):
    user = request_user(request)
    if user is None:
        return Area.objects.none()
    return villages_visible_to(user).order_by("code")


def visible_grids(request):
    user = request_user(request)
    if user is None:
        return Grid.objects.none()
    return grids_visible_to(user).order_by("code")


# The township / village / grid filters of every list: labelled alike and, unless a list
# cuts its choices further (the ledger's cascade), offering the user's jurisdiction.
def township_filter(field_name: str = "township", *, queryset=visible_townships, **kwargs):
    return django_filters.ModelChoiceFilter(
        queryset=queryset, field_name=field_name, label=_("Township"), empty_label=_("All townships"), **kwargs
    )


def village_filter(field_name: str = "village", *, queryset=visible_villages, **kwargs):
    return django_filters.ModelChoiceFilter(
        queryset=queryset, field_name=field_name, label=_("Village"), empty_label=_("All villages"), **kwargs
    )


def grid_filter(field_name: str = "grid", *, queryset=visible_grids, **kwargs):
    return django_filters.ModelChoiceFilter(
        queryset=queryset, field_name=field_name, label=_("Grid"), empty_label=_("All grids"), **kwargs
    )


class GridFilter(BootstrapFilterSet):
    TEAM_CHOICES = (("complete", _("Complete team")), ("incomplete", _("Incomplete team")))

    q = django_filters.CharFilter(
        method="filter_search", label=_("Search"), widget=forms.TextInput(attrs={"placeholder": _("Grid name or code")})
    )
    township = township_filter(method="filter_township")
    village = village_filter()
    team = django_filters.ChoiceFilter(
        choices=TEAM_CHOICES, method="filter_team", label=_("Team"), empty_label=_("Any team")
    )

    class Meta:
        model = Grid
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_township(self, queryset, name, township):
        # A village's tree path starts with its township's path (treebeard MP_Node).
        return queryset.filter(village__path__startswith=township.path)

    def filter_team(self, queryset, name, value):
        return queryset.team_complete(value == "complete")


class ResidentFilter(BootstrapFilterSet):
    AGE_BAND_CHOICES = (
        ("child", _("Children (0-17)")),
        ("adult", _("Adults (18-59)")),
        ("senior", _("Seniors (60-79)")),
        ("old", _("80 and over")),
    )
    assert {c for c, _label in AGE_BAND_CHOICES} == set(ResidentQuerySet.AGE_BANDS)

    # Its choices are constants, care tags and the user's grids: the drawn form is kept
    # (govcenter/drawn_filters.py; a province's 1,000 grids were drawn on every page).
    keep_drawn_form = True

    q = django_filters.CharFilter(
        method="filter_name",
        label=_("Name"),
        widget=forms.TextInput(attrs={"placeholder": _("Part of a name")}),
    )
    grid = grid_filter()
    care_tag = django_filters.ModelChoiceFilter(
        queryset=CareTag.objects.all(),
        to_field_name="code",
        field_name="care_tags",
        label=_("Care tag"),
        empty_label=_("Any care tag"),
    )
    age_band = django_filters.ChoiceFilter(
        choices=AGE_BAND_CHOICES, method="filter_age_band", label=_("Age"), empty_label=_("Any age")
    )
    gender = django_filters.ChoiceFilter(
        choices=Resident.Gender.choices, field_name="gender", label=_("Gender"), empty_label=_("Any gender")
    )

    class Meta:
        model = Resident
        fields: list[str] = []

    def filter_name(self, queryset, name, value):
        """Residents whose name contains ``value``. Their ids are read first, without the list's
        order (``among``), and within the jurisdiction's villages given as a list, which the
        planner reads through the village index (4 ms for a township's 5,000 residents, 15 ms
        for a district's 25,000). As one query, a township's one-character search walked the
        province's name index for its few matches, 0.3 s at 500,000 residents."""
        value = value.strip()
        if not value:
            return queryset
        # A name without letters that have case (Chinese) and shorter than the trigram index
        # serves: a plain LIKE finds the same residents without upper-casing each name it
        # reads (a province's 500,000 in 22 ms instead of 51).
        short_uncased = len(value) < 3 and value.upper() == value.lower()
        matches = queryset.filter(name__contains=value) if short_uncased else queryset.filter(name__icontains=value)
        user = request_user(self.request)
        if user is not None and not scope_of(user).everything:
            matches = matches.filter(village__in=list(villages_visible_to(user).values_list("pk", flat=True)))
        return among(queryset, matches.order_by().prefetch_related(None).values_list("pk"))

    def filter_age_band(self, queryset, name, value):
        return queryset.in_age_band(value)
