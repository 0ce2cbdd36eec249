"""``manage.py import_areas FILE``: load division codes from a CSV or XLSX file.

Columns ``code`` and ``name`` (or 代码 / 名称) under a header row; the level and
the parent follow from each code. Running it again changes nothing; a changed name
is updated. Every wrong row is listed on stderr and then nothing is saved.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from govcenter.importers import ImportFileError, import_rows, read_rows


class Command(BaseCommand):
    help = "Add or rename districts, townships and villages from a CSV or XLSX file with the columns code and name."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, but save nothing")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            rows = read_rows(file)
        except ImportFileError as e:
            raise CommandError(str(e)) from e
        result = import_rows(rows, dry_run=dry_run)
        for error in result.errors:
            self.stderr.write(str(error))
        if not result.ok:
            raise CommandError(
                _("%(n)d of %(total)d rows have errors; nothing was saved.")
                % {"n": len(result.errors), "total": len(rows)}
            )
        summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if dry_run:
            summary = _("Dry run, nothing saved: %(summary)s") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(summary))
