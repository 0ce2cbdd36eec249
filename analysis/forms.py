"""The statistics page's choice of period (GET parameters)."""

from __future__ import annotations

import calendar
import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from govcenter.forms import date_input

from .figures import Period

MONTH, QUARTER, YEAR, RANGE = "month", "quarter", "year", "range"
KIND_CHOICES = ((MONTH, _("Month")), (QUARTER, _("Quarter")), (YEAR, _("Year")), (RANGE, _("From – to")))
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_RANGE_DAYS = 3660  # ten years


class PeriodForm(forms.Form):
    """Month, quarter, year or a from–to range of local dates; unset fields default to the
    period around ``today`` (this month unless chosen otherwise)."""

    period = forms.ChoiceField(label=_("Period"), choices=KIND_CHOICES, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    month = forms.TypedChoiceField(
        label=_("Month"), choices=[(m, m) for m in range(1, 13)], coerce=int, required=False, empty_value=None
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[(q, f"Q{q}") for q in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("To (inclusive)"), required=False, widget=date_input())

    def __init__(self, data=None, *, today: datetime.date, **kwargs):
        self.today = today
        initial = {"period": MONTH, "year": today.year, "month": today.month, "quarter": (today.month - 1) // 3 + 1}
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
        if self.errors:
            return data
        kind = data.get("period") or MONTH
        year = data.get("year") or self.today.year
        if kind == MONTH:
            month = data.get("month") or self.today.month
            first = datetime.date(year, month, 1)
            last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        elif kind == QUARTER:
            quarter = data.get("quarter") or (self.today.month - 1) // 3 + 1
            first = datetime.date(year, 3 * quarter - 2, 1)
            end_month = 3 * quarter
            last = datetime.date(year, end_month, calendar.monthrange(year, end_month)[1])
        elif kind == YEAR:
            first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        else:
            first, last = data.get("date_from"), data.get("date_to")
            if first is None or last is None:
                raise forms.ValidationError(_("Give both dates of the period."))
            for day in (first, last):
                if not FIRST_YEAR <= day.year <= LAST_YEAR:
                    raise forms.ValidationError(
                        _("Choose dates between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
                    )
            if last < first:
                raise forms.ValidationError(_("The end of the period cannot be before its start."))
            if (last - first).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(_("Choose a period of at most ten years."))
        data["kind"] = kind
        data["range"] = Period.of_dates(first, last)
        return data
