"""``manage.py calendar_seed``: add the holidays and adjusted working days the installed
``chinesecalendar`` knows for years the working-day calendar has no entry for yet (after
upgrading the package). A year already entered or edited in the admin is left alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from govcenter.calendar import calendar_changed, seed_from_chinesecalendar
from govcenter.models import CalendarDay


class Command(BaseCommand):
    help = "Add chinesecalendar's holidays and adjusted working days for years the calendar has no entries for."

    def handle(self, *args, **options):
        with transaction.atomic():
            n = seed_from_chinesecalendar(CalendarDay)
            calendar_changed()
        self.stdout.write(self.style.SUCCESS(_("%(n)d calendar days added.") % {"n": n}))
