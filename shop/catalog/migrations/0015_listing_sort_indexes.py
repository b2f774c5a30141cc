"""PostgreSQL only: partial indexes over live listings (status 'active', ``Product.VISIBLE_STATUSES``)
in the order of each default listing, so a page's ids are read in order from an index instead
of sorting every listing of a category or store:

- a category's newest first (category pages, and search within one category, sorted by date);
- all newest first (the search page without words);
- a category's most ordered first (related products on a product page);
- a store's newest first (the store's page).

The columns hold everything these lists filter and sort on, so PostgreSQL reads the ids from
the index alone (an index-only scan), even for page 200. SQLite keeps its plain indexes: its
pages are slower on a large catalog, not wrong.
"""

from django.db import migrations

INDEXES = {
    "product_live_category_newest_idx": "(category_id, published_at DESC NULLS LAST, id DESC)",
    "product_live_newest_idx": "(published_at DESC NULLS LAST, id DESC)",
    "product_live_category_popular_idx": "(category_id, orders_count DESC, published_at DESC, id DESC)",
    "product_live_store_newest_idx": "(store_id, published_at DESC, id DESC)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON catalog_product {columns} WHERE status = 'active'")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0014_category_names_in_each_language")]
    operations = [migrations.RunPython(forwards, backwards)]
