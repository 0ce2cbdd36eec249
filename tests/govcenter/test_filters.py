"""What every list filter shares (``govcenter.filters``): Bootstrap classes on its
widgets, and the phone's folded filters open when one besides the search box is used."""

from __future__ import annotations

import django_filters
import pytest
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- selects drawn in Python (govcenter.filters.FilterRenderer) ---------------------------------

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    choices=st.lists(st.tuples(_TEXT, _TEXT), max_size=6),
    groups=st.lists(st.tuples(_TEXT, st.lists(st.tuples(_TEXT, _TEXT), max_size=3)), max_size=2),
    chosen=st.lists(_TEXT, max_size=2),
    attrs=st.dictionaries(
        st.sampled_from(["class", "id", "data-x", "required", "disabled"]), st.one_of(_TEXT, st.booleans())
    ),
    multiple=st.booleans(),
)
def test_a_select_drawn_in_python_is_the_templates_html(choices, groups, chosen, attrs, multiple):
    """Labels, values and attributes with quotes, ampersands, angle brackets and any other
    character; option groups; one value chosen or several: the same HTML as Django's
    Jinja2 templates draw."""
    from django import forms
    from django.forms.renderers import Jinja2

    from govcenter.filters import FilterRenderer

    widget = (forms.SelectMultiple if multiple else forms.Select)(attrs=attrs, choices=[*choices, *groups])
    value = chosen if multiple else (chosen[0] if chosen else None)
    assert widget.render("f", value, renderer=FilterRenderer()) == widget.render("f", value, renderer=Jinja2())


_LIST_PAGES = [
    "/disputes/?status=open&category=neighbourhood&sort=due_at",
    "/grids/residents/?q=%E6%9D%8E",
    "/logs/all/",
    "/publicity/",
    "/analysis/warnings/",
]


@pytest.mark.parametrize("url", _LIST_PAGES)
def test_the_list_pages_filters_are_the_templates_html(world, login, monkeypatch, url):
    """A list page's whole filter form, as a district sees it (its townships, villages and
    grids offered), is the HTML Django's templates drew before selects were drawn in Python."""
    import re

    from django.forms.renderers import Jinja2

    client = login(world.district1)

    def filter_form():
        response = client.get(url)
        assert response.status_code == 200
        (form,) = re.findall(r'<form method="get".*?</form>', response.content.decode(), re.S)
        return form

    drawn = filter_form()
    monkeypatch.setattr("govcenter.filters.FILTER_RENDERER", Jinja2())
    assert drawn == filter_form()
    assert "<option" in drawn


@pytest.mark.django_db
@pytest.mark.postgres
def test_a_filters_choices_are_read_without_a_server_side_cursor(world, login):
    """``ListedChoices``: the township and grid choices in one plain query each; Django's own
    iterator declared a cursor (DECLARE ... WITH HOLD, a fetch, a close) for each list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user in (world.district1, world.township1_user, world.police1):
        client = login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/disputes/")
        assert response.status_code == 200 and "<option" in response.content.decode()
        assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("DECLARE")]


_ROLES = [
    "admin",
    "district1",
    "township1_user",
    "village1_user",
    "grid1_user",
    "police1",
    "police3",
    "aux1",
    "station1",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", _ROLES)
def test_the_areas_a_user_works_in_are_their_villages_with_what_is_above_and_below(world, role):
    """``areas_visible_to``, recomputed from the tree: the ancestors of every village the user
    sees, and for a centre everything under its area."""
    from govcenter.jurisdiction import scope_of
    from grids.selectors import areas_visible_to, villages_visible_to

    user = getattr(world, role)
    scope = scope_of(user)
    expected = set()
    for village in villages_visible_to(user):
        expected |= {a.pk for a in village.get_ancestors()} | {village.pk}
    if scope.area is not None:
        expected |= {a.pk for a in scope.area.get_ancestors()} | {scope.area.pk}
        expected |= set(Area.objects.filter(path__startswith=scope.area.path).values_list("pk", flat=True))
    if scope.everything:
        expected = set(Area.objects.values_list("pk", flat=True))
    assert set(areas_visible_to(user).values_list("pk", flat=True)) == expected


@pytest.mark.django_db
def test_a_centres_areas_are_known_without_a_query(world, django_assert_num_queries):
    """A centre sees no village outside its own area, so building its areas' query reads
    nothing (the ledger's township choices asked the database for none on every page)."""
    from govcenter.jurisdiction import scope_of
    from grids.selectors import areas_visible_to

    for user in (world.district1, world.township1_user, world.village1_user):
        scope_of(user)
        with django_assert_num_queries(0):
            areas_visible_to(user)
