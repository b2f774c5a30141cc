"""Products say whether they may be returned, and stores for how long (sellers 0010).
SQLite adds both columns by rebuilding ``catalog_product`` and ``sellers_store``, which
drops their change triggers (catalog 0007): they are made again, as in 0008."""

from django.db import migrations, models

from shop.catalog.services.change_triggers import sqlite_triggers_again


def triggers_again(apps, schema_editor):
    sqlite_triggers_again(schema_editor, ["catalog_product", "sellers_store"])


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
