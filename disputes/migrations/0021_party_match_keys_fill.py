"""Fill Party.match_key for the parties registered before it existed.

Only organisations and people with an ID number get a key (the others stay ""), so
only those rows are read; one district at a time, its place names read once.
"""

from django.db import migrations


def fill(apps, schema_editor):
    from disputes.parties import match_key

    Area = apps.get_model("govcenter", "Area")
    Party = apps.get_model("disputes", "Party")
    for district_id, code in Area.objects.filter(level="district").values_list("pk", "code"):
        places = list(Area.objects.filter(code__startswith=code[:6]).values_list("name", flat=True))
        rows = (
            Party.objects.filter(dispute__district_id=district_id)
            .exclude(kind="person", id_number_hash="")
            .values_list("pk", "kind", "credit_code", "name", "id_number_hash")
        )
        changed = []
        # Read before writing: SQLite does not like a table updated under an open cursor.
        for pk, kind, credit_code, name, id_hash in list(rows):
            key = match_key(
                kind=kind,
                credit_code=credit_code,
                name=name,
                district_id=district_id,
                id_number_hash=id_hash,
                place_names=places,
            )
            if key:
                changed.append(Party(pk=pk, match_key=key))
            if len(changed) >= 2000:
                Party.objects.bulk_update(changed, ["match_key"])
                changed = []
        Party.objects.bulk_update(changed, ["match_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0020_party_identity_people_involved"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
