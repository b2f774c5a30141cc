"""The home page shows featured posts and is cached for visitors under the catalog's stamp:
the posts table moves the stamp on like the catalog's own (catalog 0007)."""

from django.db import migrations

from shop.catalog.services.change_triggers import triggers_create, triggers_drop

WATCHED_TABLES = ["blog_post"]


def forwards(apps, schema_editor):
    triggers_create(schema_editor, WATCHED_TABLES)


def backwards(apps, schema_editor):
    triggers_drop(schema_editor, WATCHED_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("catalog", "0013_favorite_alerts"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
