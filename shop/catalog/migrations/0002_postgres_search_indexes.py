"""PostgreSQL only: trigram matching and a GIN index on the weighted search vector.
SQLite has neither; its search is a substring match (see shop.catalog.selectors.products)."""

from django.db import migrations


def _indexes():
    from django.contrib.postgres.indexes import GinIndex

    from shop.catalog.selectors.search import product_search_vector

    return [
        GinIndex(product_search_vector(), name="product_search_idx"),
        GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="product_title_trgm_idx"),
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    product = apps.get_model("catalog", "Product")
    for index in _indexes():
        schema_editor.add_index(product, index)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    product = apps.get_model("catalog", "Product")
    for index in _indexes():
        schema_editor.remove_index(product, index)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
