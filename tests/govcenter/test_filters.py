"""What every list filter shares (``govcenter.filters``): Bootstrap classes on its
widgets, and the phone's folded filters open when one besides the search box is used."""

from __future__ import annotations

import django_filters
import pytest
from django.test import RequestFactory

from govcenter.filters import BootstrapFilterSet, filters_open
from govcenter.models import Area


class _AreaFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    level = django_filters.ChoiceFilter(choices=Area.Level.choices)

    class Meta:
        model = Area
        fields = ["q", "level"]


def test_widgets_get_bootstraps_classes():
    form = _AreaFilter(queryset=Area.objects.none()).form
    assert form.fields["q"].widget.attrs["class"] == "form-control"
    assert form.fields["level"].widget.attrs["class"] == "form-select"


def test_the_folded_filters_open_only_when_one_besides_the_search_box_is_used():
    filterset = _AreaFilter(queryset=Area.objects.none())
    assert not filters_open(RequestFactory().get("/", {"q": "东山"}), filterset)
    assert not filters_open(RequestFactory().get("/", {"level": ""}), filterset)
    assert filters_open(RequestFactory().get("/", {"level": "village"}), filterset)


class _BoundedFilter(BootstrapFilterSet):
    """A number on an integer column (PostgreSQL: 32 bits), an id (64 bits) and a date."""

    depth = django_filters.NumberFilter(field_name="depth")
    id = django_filters.NumberFilter(field_name="id")
    code = django_filters.CharFilter(field_name="code")
    since = django_filters.DateFilter(method="filter_since")

    class Meta:
        model = Area
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("code")  # dropped after super().__init__(): the form must not keep it

    def filter_since(self, queryset, name, value):
        return queryset


@pytest.mark.django_db
def test_numbers_and_dates_beyond_what_the_database_takes_get_a_message():
    from django.db import connection

    _, int_max = connection.ops.integer_field_range("PositiveIntegerField")
    data = {"depth": str(int_max + 1), "id": "9" * 20, "since": "0001-01-01", "code": "x"}
    filterset = _BoundedFilter(data, queryset=Area.objects.all())
    assert list(filterset.qs) == []  # filtered with nothing: no crash, no KeyError for "code"
    errors = filterset.form.errors
    assert errors["depth"] == [f"Ensure this value is less than or equal to {int_max}."]
    assert errors["id"] == [f"Ensure this value is less than or equal to {2**63 - 1}."]
    assert errors["since"] == ["Ensure this value is greater than or equal to 1900-01-01."]
    assert "code" not in filterset.form.fields
    ok = _BoundedFilter({"depth": "1", "id": "1", "since": "2026-01-01"}, queryset=Area.objects.all())
    assert ok.form.is_valid(), ok.form.errors
