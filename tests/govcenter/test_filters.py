"""What every list filter shares (``govcenter.filters``): Bootstrap classes on its
widgets, and the phone's folded filters open when one besides the search box is used."""

from __future__ import annotations

import django_filters
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
