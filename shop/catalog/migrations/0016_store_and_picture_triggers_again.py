"""SQLite rebuilt ``sellers_store`` (sellers 0013 and 0014: the ENS address, the wallet
address) and ``media_storedimage`` (media 0003: content IDs) to add their columns, which
drops their change triggers (catalog 0007): they are made again. PostgreSQL keeps triggers
through ``ALTER TABLE``: nothing to do there."""

from django.db import migrations

from shop.catalog.services.change_triggers import sqlite_triggers_again


def forwards(apps, schema_editor):
    sqlite_triggers_again(schema_editor, ["sellers_store", "media_storedimage"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0015_listing_sort_indexes"),
        ("sellers", "0014_store_wallet_address"),
        ("media", "0003_content_ids"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
