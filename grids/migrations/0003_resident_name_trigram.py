"""On PostgreSQL, a trigram index for the resident list's name search (name icontains),
which would otherwise scan every resident of a township or district."""

from django.db import migrations


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS resident_name_trgm ON grids_resident USING gin (UPPER(name::text) gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS resident_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("grids", "0002_care_tags")]
    operations = [migrations.RunPython(trigram_index, drop_trigram_index)]
