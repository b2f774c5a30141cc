"""A change to one listing's rows (``CATEGORY_SCOPED``: the product, its variants, pictures
and tags) is recorded with the listing's category, by row triggers, so that a product page
is kept until its own category or something shared changes, not until any listing does."""

from django.db import migrations, models

from shop.catalog.services.change_triggers import (
    CATEGORY_SCOPED,
    POSTGRESQL_ROW_FUNCTION,
    category_triggers_create,
    category_triggers_drop,
    triggers_remake,
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_ROW_FUNCTION)
    category_triggers_drop(schema_editor, list(CATEGORY_SCOPED))
    category_triggers_create(schema_editor, CATEGORY_SCOPED)


def backwards(apps, schema_editor):
    category_triggers_drop(schema_editor, list(CATEGORY_SCOPED))
    triggers_remake(schema_editor, list(CATEGORY_SCOPED))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS soko_catalog_row_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0018_sales_move_no_stamp"),
    ]

    operations = [
        migrations.AddField(
            model_name="catalogchange",
            name="category_id",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="catalogchange",
            index=models.Index(fields=["category_id", "id"], name="catalog_change_category_idx"),
        ),
        migrations.AddIndex(
            model_name="catalogchange",
            index=models.Index(condition=models.Q(("category_id__isnull", True)), fields=["id"], name="catalog_change_shared_idx"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
