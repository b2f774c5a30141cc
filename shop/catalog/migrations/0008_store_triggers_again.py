"""SQLite adds a column with a default by rebuilding the table, which drops its triggers:
sellers 0009 rebuilt ``sellers_store``, so its change triggers (catalog 0007) are made
again. PostgreSQL keeps triggers through ``ALTER TABLE``: nothing to do there. A later
migration that rebuilds a watched table on SQLite needs the same step."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = f"sellers_store_{event.lower()}_changed"
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON sellers_store "
            "BEGIN INSERT INTO catalog_catalogchange (id) VALUES (NULL); END"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_catalog_change"),
        ("sellers", "0009_store_courier_fee_payer"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
