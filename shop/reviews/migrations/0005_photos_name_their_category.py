"""A review's photo is a change of the category of the listing reviewed (as the review is,
reviews 0004), not of every page; a store's review names no listing and its photos stay a
shared change."""

from django.db import migrations

from shop.catalog.services.change_triggers import row_triggers_create, row_triggers_drop, triggers_create

TABLE = "reviews_reviewphoto"
CATEGORY = (
    "(SELECT product.category_id FROM reviews_review AS review "
    "JOIN catalog_product AS product ON product.id = review.product_id WHERE review.id = {row}.review_id)"
)
EVENTS = {
    "INSERT": f"SELECT {CATEGORY}",
    "UPDATE": f"SELECT {CATEGORY} UNION SELECT {CATEGORY.replace('{row}', 'OLD')}",
    "DELETE": f"SELECT {CATEGORY}",
}


def forwards(apps, schema_editor):
    row_triggers_drop(schema_editor, TABLE)
    row_triggers_create(schema_editor, TABLE, EVENTS)


def backwards(apps, schema_editor):
    row_triggers_drop(schema_editor, TABLE)
    triggers_create(schema_editor, [TABLE])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_reviews_name_their_category"),
        ("catalog", "0020_pictures_name_their_categories"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
