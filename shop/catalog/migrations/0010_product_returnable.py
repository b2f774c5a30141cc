"""Products say whether they may be returned, and stores for how long (sellers 0010).
SQLite adds both columns by rebuilding ``catalog_product`` and ``sellers_store``, which
drops their change triggers (catalog 0007): they are made again, as in 0008."""

from django.db import migrations, models


def triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in ("catalog_product", "sellers_store"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_changed"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                "BEGIN INSERT INTO catalog_catalogchange (id) VALUES (NULL); END"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_product_listing_type"),
        ("sellers", "0010_store_return_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="returnable",
            field=models.BooleanField(
                default=True,
                help_text="Buyers may return it within your store's return window. Untick for items that cannot be returned (food, cosmetics, made to measure).",
                verbose_name="returnable",
            ),
        ),
        migrations.RunPython(triggers_again, migrations.RunPython.noop),
    ]
