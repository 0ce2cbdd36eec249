"""Fill search_text for existing rows; on PostgreSQL add pg_trgm and a trigram index so
that the ledger's search box (search_text icontains) does not scan the whole table."""

from django.db import migrations


def fill_search_text(apps, schema_editor):
    Dispute = apps.get_model("disputes", "Dispute")
    Party = apps.get_model("disputes", "Party")
    names: dict[int, list[str]] = {}
    for dispute_id, name in Party.objects.order_by("pk").values_list("dispute_id", "name").iterator(chunk_size=5000):
        names.setdefault(dispute_id, []).append(name)
    batch = []
    for d in Dispute.objects.only("pk", "number", "summary", "description").iterator(chunk_size=2000):
        d.search_text = " ".join([d.number, d.summary, d.description, *names.get(d.pk, [])])
        batch.append(d)
        if len(batch) >= 2000:
            Dispute.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Dispute.objects.bulk_update(batch, ["search_text"])


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: a plain LIKE over a county-sized table is fast enough
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Django's icontains is UPPER(col::text) LIKE UPPER(%s): index that expression.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS dispute_search_trgm ON disputes_dispute "
        "USING gin (UPPER(search_text::text) gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dispute_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("disputes", "0003_ledger_search_and_order")]
    operations = [
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
