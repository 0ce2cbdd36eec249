"""``manage.py import_file KIND FILE``: the import page's importers on the command line.

KIND is one of the registered kinds (``areas``, ``grids``, ``households``, ``residents``,
``team``); ``--user`` names the account the import is made as (its jurisdiction applies,
and it is recorded as the author); without it the import is made as the system, with
no jurisdiction limit. Every wrong row is listed on stderr and then nothing is saved.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from govcenter.importers import REGISTRY, ImportFileError, import_run, importer_class, table_of
from govcenter.models import User


def run_import_command(command: BaseCommand, *, kind: str, file: str, dry_run: bool, username: str | None) -> None:
    importer_cls = importer_class(kind)
    if importer_cls is None:
        raise CommandError(
            _("Unknown kind %(kind)s; use one of: %(kinds)s.") % {"kind": kind, "kinds": ", ".join(REGISTRY)}
        )
    user = None
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active account %(username)s.") % {"username": username})
        if not importer_cls.allowed(user):
            raise CommandError(_("%(username)s may not import this kind of file.") % {"username": username})
    try:
        table = table_of(file)
        result = import_run(importer_cls(user=user), table, dry_run=dry_run)
    except ImportFileError as e:
        raise CommandError(str(e)) from e
    for error in result.errors:
        command.stderr.write(str(error))
    if not result.ok:
        raise CommandError(
            _("%(n)d of %(total)d rows have errors; nothing was saved.") % {"n": result.failed, "total": result.total}
        )
    summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    if dry_run:
        summary = _("Dry run, nothing saved: %(summary)s") % {"summary": summary}
    command.stdout.write(command.style.SUCCESS(summary))


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one kind (areas, grids, households, residents, team): all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="areas, grids, households, residents or team")
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--user", dest="username", help="import as this account (its jurisdiction applies)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, but save nothing")

    def handle(self, *args, kind: str, file: str, username: str | None, dry_run: bool, **options):
        run_import_command(self, kind=kind, file=file, dry_run=dry_run, username=username)
