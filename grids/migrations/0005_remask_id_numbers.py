"""Re-mask the stored ID numbers to their last four characters (issue 9).

The old mask kept the first four and the last four; beside the birth date and the
region in every grid code, that rebuilt the whole number. The new form needs no key:
it is the last four characters of the old one. One UPDATE; the reverse keeps the new mask
(the old one cannot be rebuilt without decrypting, and is the defect).
"""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Right

KEEP = 4
MASKED_LENGTH = 18


def remask(apps, schema_editor):
    Resident = apps.get_model("grids", "Resident")
    Resident.objects.exclude(id_number_masked="").update(
        id_number_masked=Concat(Value("*" * (MASKED_LENGTH - KEEP)), Right("id_number_masked", KEEP))
    )


class Migration(migrations.Migration):
    dependencies = [("grids", "0004_alter_grid_description_alter_household_note_and_more")]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
