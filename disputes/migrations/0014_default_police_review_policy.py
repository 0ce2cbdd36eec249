"""Default time limits for the police opinion on queue entries (3 working days); editable in admin."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    PoliceReviewPolicy = apps.get_model("disputes", "PoliceReviewPolicy")
    for subject in ("dispute", "log"):
        PoliceReviewPolicy.objects.get_or_create(subject=subject, defaults={"days": 3, "day_kind": "working"})


class Migration(migrations.Migration):
    dependencies = [("disputes", "0013_police_review_queue")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
