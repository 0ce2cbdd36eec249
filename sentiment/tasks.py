"""Background work on the sentiment log: its kinds of the kernel's overdue sweep
(``govcenter.sweep``; the beat runs ``govcenter.tasks.sweep_overdue`` for every kind)."""

from __future__ import annotations

from govcenter.levels import local_date
from govcenter.sweep import register_overdue_kind

from .models import AgencyMatter, Log
from .services import agency_matter_overdue, log_overdue

register_overdue_kind("sentiment-log", overdue=lambda at: Log.objects.overdue(at), act=log_overdue)
register_overdue_kind(
    "agency-matter", overdue=lambda at: AgencyMatter.objects.overdue(local_date(at)), act=agency_matter_overdue
)
