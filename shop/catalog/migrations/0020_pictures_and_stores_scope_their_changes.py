"""Changes recorded where they are shown.

A picture's change (prepared, its content IDs or pins written) is a change of the
categories of the listings that show it, a shared one only where a page of any category may
show it, and none where no kept page does (``PICTURES_SHOWN_BY``): a photo sent in a chat
no longer drops every kept page, a listing's new picture only its category's.

A store's new rating (``STORE_SCOPED``) names the store: it drops the store's own pages and
its listings', not every page."""

from django.db import migrations, models

from shop.catalog.services.change_triggers import (
    picture_change_select,
    row_triggers_create,
    row_triggers_drop,
    store_triggers_create,
    store_triggers_drop,
    triggers_create,
    triggers_drop,
    triggers_remake,
)

PICTURES = "media_storedimage"


def forwards(apps, schema_editor):
    triggers_drop(schema_editor, [PICTURES])
    row_triggers_create(schema_editor, PICTURES, {"UPDATE": picture_change_select("{row}.id")})
    store_triggers_drop(schema_editor)
    store_triggers_create(schema_editor)


def backwards(apps, schema_editor):
    row_triggers_drop(schema_editor, PICTURES)
    triggers_create(schema_editor, [PICTURES])
    store_triggers_drop(schema_editor)
    triggers_remake(schema_editor, ["sellers_store"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0019_changes_name_their_category"),
        ("reviews", "0004_reviews_name_their_category"),
        ("sellers", "0015_store_page_change_triggers"),
        ("blog", "0002_post_change_triggers"),
    ]
    operations = [
        migrations.AddField(
            model_name="catalogchange",
            name="store_id",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="catalogchange",
            index=models.Index(fields=["store_id", "id"], name="catalog_change_store_idx"),
        ),
        migrations.RemoveIndex(model_name="catalogchange", name="catalog_change_shared_idx"),
        migrations.AddIndex(
            model_name="catalogchange",
            index=models.Index(
                condition=models.Q(("category_id__isnull", True), ("store_id__isnull", True)), fields=["id"], name="catalog_change_shared_idx"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
