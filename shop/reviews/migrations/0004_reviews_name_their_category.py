"""A product's review is a change of its listing's category (catalog 0019): written,
edited, hidden or voted on, it drops the pages of that category, not every product page.
A store's review names no listing and stays a shared change."""

from django.db import migrations

from shop.catalog.services.change_triggers import category_triggers_create, category_triggers_drop, triggers_create

CATEGORY_SCOPED = {"reviews_review": "product_id"}


def forwards(apps, schema_editor):
    category_triggers_drop(schema_editor, list(CATEGORY_SCOPED))
    category_triggers_create(schema_editor, CATEGORY_SCOPED)


def backwards(apps, schema_editor):
    category_triggers_drop(schema_editor, list(CATEGORY_SCOPED))
    triggers_create(schema_editor, list(CATEGORY_SCOPED))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_email_claimed_at"),
        ("catalog", "0019_changes_name_their_category"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
