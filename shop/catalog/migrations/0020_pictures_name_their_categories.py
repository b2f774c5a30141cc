"""A picture's change (prepared, its content IDs or pins written) is a change of the
categories of the listings that show it, a shared one only where a page of any category
may show it, and none where no kept page does (``PICTURES_SHOWN_BY``): a photo sent in a
chat no longer drops every kept page, a listing's new picture only its category's."""

from django.db import migrations

from shop.catalog.services.change_triggers import (
    picture_change_select,
    row_triggers_create,
    row_triggers_drop,
    triggers_create,
    triggers_drop,
)

TABLE = "media_storedimage"


def forwards(apps, schema_editor):
    triggers_drop(schema_editor, [TABLE])
    row_triggers_create(schema_editor, TABLE, {"UPDATE": picture_change_select("{row}.id")})


def backwards(apps, schema_editor):
    row_triggers_drop(schema_editor, TABLE)
    triggers_create(schema_editor, [TABLE])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0019_changes_name_their_category"),
        ("reviews", "0004_reviews_name_their_category"),
        ("sellers", "0015_store_page_change_triggers"),
        ("blog", "0002_post_change_triggers"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
