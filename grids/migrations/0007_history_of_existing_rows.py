"""A first historical version of every grid, membership, household and resident that
existed before the audit history: without it, the first change of a row after the
upgrade would keep only the new values (the old ID number's masked form and hash, the
old name, ...), which is exactly the trace the history is for.

One INSERT ... SELECT per table (a county's 500,000 residents take seconds), with no
user and no address: the versions were not made by anyone at that moment.
"""

from django.db import migrations
from django.utils import timezone

TABLES = ["Grid", "GridMembership", "Household", "Resident"]
HISTORY_ONLY = {"history_id", "history_date", "history_type", "history_change_reason", "history_user_id", "ip_address"}


def keep_existing_rows(apps, schema_editor):
    q = schema_editor.quote_name
    now = timezone.now()
    for name in TABLES:
        model = apps.get_model("grids", name)
        history = apps.get_model("grids", f"Historical{name}")
        columns = [q(f.column) for f in history._meta.concrete_fields if f.column not in HISTORY_ONLY]
        schema_editor.execute(
            f"INSERT INTO {q(history._meta.db_table)} ({', '.join(columns)}, {q('history_date')}, {q('history_type')}) "
            f"SELECT {', '.join(columns)}, %s, '+' FROM {q(model._meta.db_table)}",
            [now],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0006_history"),
    ]

    operations = [
        migrations.RunPython(keep_existing_rows, migrations.RunPython.noop, elidable=False),
    ]
