"""The monthly report's forms: the month to generate, the annotation, the submission."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import FIRST_YEAR, LAST_YEAR


class MonthForm(forms.Form):
    """A month (year and month); ``cleaned_data["month"]`` is its first day."""

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    month = forms.TypedChoiceField(label=_("Month"), choices=[(m, m) for m in range(1, 13)], coerce=int)

    def __init__(self, data=None, *, initial_month: datetime.date | None = None, **kwargs):
        initial = {"year": initial_month.year, "month": initial_month.month} if initial_month else {}
        super().__init__(data, initial=initial, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["first_day"] = datetime.date(data["year"], data["month"], 1)
        return data


class AnnotateForm(forms.Form):
    reviewer_name = forms.CharField(label=_("Reviewed by"), max_length=50, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, report=None, **kwargs):
        if report is not None and not args:
            kwargs.setdefault("initial", {"reviewer_name": report.reviewer_name, "notes": report.notes})
        super().__init__(*args, **kwargs)


class SubmitForm(forms.Form):
    reviewer_name = forms.CharField(label=_("Reviewed by"), max_length=50)

    def __init__(self, *args, report=None, **kwargs):
        if report is not None and not args:
            kwargs.setdefault("initial", {"reviewer_name": report.reviewer_name})
        super().__init__(*args, **kwargs)
