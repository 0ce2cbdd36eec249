"""What every list's filter (django-filter) shares: Bootstrap classes on its widgets, and
whether the filters folded away on phones should open (``templates/_filter_form.html``);
and bounds on numbers and dates, so that a value the database or the time-zone arithmetic
cannot take (``?assignment=99999999999999999999``, ``?date_to=9999-12-31``) is refused by
the field with a message instead of crashing the query.
The choice lists cut to the user's jurisdiction live with the selectors they come from
(``grids.filters`` for areas and grids)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.db.models import F, Lookup, Q
from django.forms.renderers import Jinja2
from django_filters.fields import ModelChoiceIterator
from django_filters.utils import get_model_field
from markupsafe import escape

from .forms import EARLIEST_DATE, LATEST_DATE, MAX_ID, clean_text_field


def request_user(request):
    """The user a filter's choices are cut for (None when the filter is built without a
    request: it then offers nothing)."""
    return getattr(request, "user", None)


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html`` in Python: True a bare name, False left out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select_html(widget: dict) -> str | None:
    """Django's Jinja2 ``select.html`` and ``select_option.html`` in Python, the same HTML
    character for character (``tests/govcenter/test_filters.py`` compares them); None for an
    option drawn by another template, which the templates then draw."""
    out = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            out.append(
                f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{escape(option['label'])}</option>"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FilterRenderer(Jinja2):
    """Django's widget templates in Jinja2 (django/forms/jinja2, the same HTML), selects
    drawn in Python: a ledger's filter offers some 600 options (its villages, grids,
    categories ...), and an ``{% include %}`` per option took a quarter of the page's time."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = _select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)


FILTER_RENDERER = FilterRenderer()


class ListedChoices(ModelChoiceIterator):
    """A filter's choices from its queryset read in one query. Django's iterator reads them
    through ``QuerySet.iterator()``, which on PostgreSQL declares a server-side cursor
    (``DECLARE ... WITH HOLD``, a fetch and a close: three round trips, and the result
    materialised at the commit) for a list of a few dozen townships or grids."""

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if getattr(field, "null_label", None) is not None:  # django-filter's fields only
            yield (field.null_value, field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class BootstrapFilterSet(django_filters.FilterSet):
    """Gives every widget Bootstrap's classes, so list pages can lay the filter out in a
    grid, bounds number and date fields to what the database can take, and cleans a search
    typed with invisible controls or a NUL (or names it) as on every form.

    The form is built on first use, so a subclass may still drop filters in its
    ``__init__`` after calling ``super().__init__()``: a field left in the form without its
    filter would crash the filtering (``KeyError``)."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_bootstrapped", False):
            for name, field in form.fields.items():
                clean_text_field(field)
                widget = field.widget
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs.setdefault("class", css)
                _bound(field, self.filters.get(name), self._meta.model)
                if isinstance(field, forms.ModelChoiceField):
                    field.iterator = ListedChoices
                    widget.choices = field.choices
            form.renderer = FILTER_RENDERER
            form._bootstrapped = True
        return form

    @property
    def folded_in_use(self) -> bool:
        """Whether a filter besides the first (the search box) is set: the filters folded
        away on phones then start unfolded (``templates/_filter_form.html``)."""
        return self.is_bound and any(self.data.get(name) for name in list(self.filters)[1:])


class AnyOf(Lookup):
    """``column = ANY(%s)`` with a list as one array parameter (PostgreSQL). Django's ``__in``
    writes a placeholder per value, which Django and psycopg then handle one by one: for the
    2,600 cases of a two-character name, 25 ms of a ledger page that sends them three times
    (the urgent part, the rest, the count)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


# The most rows a search hands to its list's query as a list of ids (``among``).
SEARCH_IDS = 5_000


def among(queryset, ids, *, otherwise=None):
    """``queryset`` cut to the rows ``ids`` (a one-column query that an index or the
    jurisdiction's own rows serve, without an order) names.

    On PostgreSQL the ids are read first when there are at most ``SEARCH_IDS`` of them. As a
    subquery, the planner misjudges how many rows a search matches and walks the list's
    order index (the ledger newest first, residents by name) through hundreds of thousands
    of rows before the page is full: 0.8 s for a district-year's number prefix or a
    two-character party name at province scale, 0.3 to 0.7 s for a one-character name among
    a township's residents. A list of ids is looked up on the primary key, and first cut to
    what ``queryset`` keeps of them when it filters at all (a jurisdiction). More ids than that
    (a one-character surname over a province) stay a subquery, or ``otherwise`` when given (a
    filter on the list's own columns, or a function that makes it). Elsewhere (SQLite,
    development) the subquery is enough."""
    if connection.vendor == "postgresql":
        found = {pk for (pk,) in ids[: SEARCH_IDS + 1]}
        if len(found) <= SEARCH_IDS:
            if found and queryset.query.where:
                # Cut to the user's jurisdiction once: a district holds a twentieth of a
                # province's 2,700 cases of 王伟, and the page's queries (its urgent part, the
                # rest, the count) each looked all of them up to drop the others.
                found = set(queryset.filter(AnyOf(F("pk"), sorted(found))).order_by().values_list("pk", flat=True))
            return queryset.filter(AnyOf(F("pk"), sorted(found)))
    if callable(otherwise):
        otherwise = otherwise()
    return queryset.filter(otherwise if otherwise is not None else Q(pk__in=ids))


def _bound(field: forms.Field, filter_, model) -> None:
    if isinstance(field, forms.DateField):
        field.validators += [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]
    elif isinstance(field, (forms.IntegerField, forms.DecimalField)):  # NumberFilter: DecimalField
        low, high = -MAX_ID - 1, MAX_ID
        model_field = get_model_field(model, filter_.field_name) if filter_ and model else None
        if model_field is not None:
            target = getattr(model_field, "target_field", model_field)  # a foreign key: the id it holds
            kind = target.get_internal_type()
            if kind in connection.ops.integer_field_ranges:  # e.g. PostgreSQL's integer: 32 bits
                low, high = connection.ops.integer_field_range(kind)
        field.validators += [
            MinValueValidator(-MAX_ID - 1 if low is None else low),
            MaxValueValidator(MAX_ID if high is None else high),
        ]


def filters_open(request, filterset) -> bool:
    """Whether a filter besides the first (the search box) is in use: the list page then
    shows them unfolded on phones."""
    names = list(filterset.filters)[1:]
    return any(request.GET.get(name) for name in names)
