"""A sale no longer moves the catalog's stamp: the triggers of the tables with sale counters
(``SALE_COUNTERS``: a variant's stock, a product's and a store's orders count) watch every
column of an update but those."""

from django.db import migrations

from shop.catalog.services.change_triggers import SALE_COUNTERS, triggers_create, triggers_drop, triggers_remake


def forwards(apps, schema_editor):
    triggers_remake(schema_editor, list(SALE_COUNTERS))


def backwards(apps, schema_editor):
    triggers_drop(schema_editor, list(SALE_COUNTERS))
    triggers_create(schema_editor, list(SALE_COUNTERS))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0017_search_indexes_without_pending_list"),
        ("sellers", "0014_store_wallet_address"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
