"""``manage.py import_areas FILE``: load division codes from a CSV or XLSX file.

Columns ``code`` and ``name`` (or 代码 / 名称) under a header row; the level and
the parent follow from each code. Running it again changes nothing; a changed name
is updated. Every wrong row is listed on stderr and then nothing is saved. The same
importer as ``import_file areas`` and the import page (``govcenter.importers``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from .import_file import run_import_command


class Command(BaseCommand):
    help = "Add or rename districts, townships and villages from a CSV or XLSX file with the columns code and name."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, but save nothing")

    def handle(self, *args, file: str, dry_run: bool, **options):
        run_import_command(self, kind="areas", file=file, dry_run=dry_run, username=None)
