"""Seed the working-day calendar from chinesecalendar (2004 to the last year it covers),
so that a fresh install counts deadlines exactly as before the table existed."""

from django.db import migrations


def seed(apps, schema_editor):
    from govcenter.calendar import seed_from_chinesecalendar

    seed_from_chinesecalendar(apps.get_model("govcenter", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [
        ("govcenter", "0005_calendar_day"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
