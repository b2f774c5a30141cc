"""A review's photo is a change of the category of the listing reviewed, as the review is
(reviews 0004); a store's review, and its photos, name the store instead of being shared:
they drop the store's pages and its listings', not every page."""

from django.db import migrations

from shop.catalog.services.change_triggers import (
    category_triggers_create,
    row_events,
    row_triggers_create,
    row_triggers_drop,
    triggers_create,
)

REVIEWS, PHOTOS = "reviews_review", "reviews_reviewphoto"
REVIEW = "SELECT (SELECT category_id FROM catalog_product WHERE id = {row}.product_id), CASE WHEN {row}.product_id IS NULL THEN {row}.store_id END"
PHOTO = (
    "SELECT (SELECT product.category_id FROM reviews_review AS review JOIN catalog_product AS product ON product.id = review.product_id "
    "WHERE review.id = {row}.review_id), "
    "(SELECT CASE WHEN review.product_id IS NULL THEN review.store_id END FROM reviews_review AS review WHERE review.id = {row}.review_id)"
)


def forwards(apps, schema_editor):
    for table, select in ((REVIEWS, REVIEW), (PHOTOS, PHOTO)):
        row_triggers_drop(schema_editor, table)
        row_triggers_create(schema_editor, table, row_events(select))


def backwards(apps, schema_editor):
    row_triggers_drop(schema_editor, REVIEWS)
    category_triggers_create(schema_editor, {REVIEWS: "product_id"})
    row_triggers_drop(schema_editor, PHOTOS)
    triggers_create(schema_editor, [PHOTOS])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_reviews_name_their_category"),
        ("catalog", "0020_pictures_and_stores_scope_their_changes"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
