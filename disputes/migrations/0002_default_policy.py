"""Default deadline policy (working days) and follow-up rules (7 and 30 days); editable in admin."""

from django.db import migrations

DAYS = {
    ("general", "village"): 7, ("general", "township"): 10, ("general", "district"): 15, ("general", "department"): 15,
    ("significant", "village"): 5, ("significant", "township"): 7, ("significant", "district"): 10, ("significant", "department"): 10,
    ("major", "village"): 3, ("major", "township"): 5, ("major", "district"): 7, ("major", "department"): 7,
}


def add_defaults(apps, schema_editor):
    DeadlinePolicy = apps.get_model("disputes", "DeadlinePolicy")
    FollowUpRule = apps.get_model("disputes", "FollowUpRule")
    for (risk, level), days in DAYS.items():
        DeadlinePolicy.objects.get_or_create(risk_level=risk, level=level, defaults={"days": days, "day_kind": "working"})
    for days in (7, 30):
        FollowUpRule.objects.get_or_create(days_after=days)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
