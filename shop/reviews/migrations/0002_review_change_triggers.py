"""The product page shows reviews and is cached for visitors under the catalog's stamp: the
tables it reads from this app move the stamp on like the catalog's own (catalog 0007)."""

from django.db import migrations

from shop.catalog.services.change_triggers import triggers_create, triggers_drop

WATCHED_TABLES = ["reviews_review", "reviews_reviewphoto"]


def forwards(apps, schema_editor):
    triggers_create(schema_editor, WATCHED_TABLES)


def backwards(apps, schema_editor):
    triggers_drop(schema_editor, WATCHED_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("catalog", "0008_store_triggers_again"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
