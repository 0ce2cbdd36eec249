"""What every list's filter (django-filter) shares: Bootstrap classes on its widgets, and
whether the filters folded away on phones should open (``templates/_filter_form.html``).
The choice lists cut to the user's jurisdiction live with the selectors they come from
(``grids.filters`` for areas and grids)."""

from __future__ import annotations

import django_filters
from django import forms

from .forms import clean_text_field


class BootstrapFilterSet(django_filters.FilterSet):
    """Gives every widget Bootstrap's classes, so list pages can lay the filter out in a grid;
    a search typed with invisible controls or a NUL is cleaned or named as on every form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            clean_text_field(field)
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


def filters_open(request, filterset) -> bool:
    """Whether a filter besides the first (the search box) is in use: the list page then
    shows them unfolded on phones."""
    names = list(filterset.filters)[1:]
    return any(request.GET.get(name) for name in names)
