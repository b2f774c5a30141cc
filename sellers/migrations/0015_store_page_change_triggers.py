"""A store's page is cached for visitors under the catalog's stamp: the tables it reads from
this app beyond the store itself (its opening hours, the categories it sells in) move the
stamp on like the catalog's own (catalog 0007)."""

from django.db import migrations

from shop.catalog.services.change_triggers import triggers_create, triggers_drop

WATCHED_TABLES = ["sellers_storehours", "sellers_store_categories"]


def forwards(apps, schema_editor):
    triggers_create(schema_editor, WATCHED_TABLES)


def backwards(apps, schema_editor):
    triggers_drop(schema_editor, WATCHED_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0014_store_wallet_address"),
        ("catalog", "0018_sales_move_no_stamp"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
