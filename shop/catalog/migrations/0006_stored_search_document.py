"""PostgreSQL only: the weighted search vector becomes a stored generated column with its
own GIN index, so ranking and matching read it instead of recomputing ``to_tsvector`` for
every matching row. The expression is ``shop.catalog.selectors.search.product_search_vector``'s.
SQLite has no full-text vector; its search is a substring match (shop.catalog.selectors.products).
"""

from django.db import migrations

FORWARDS = """
ALTER TABLE catalog_product ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, COALESCE(tags_text, '') || ' ' || COALESCE(brand, '')), 'B')
    || setweight(to_tsvector('simple'::regconfig, COALESCE(description, '')), 'C')
) STORED;
CREATE INDEX product_search_document_idx ON catalog_product USING gin (search_document);
DROP INDEX IF EXISTS product_search_idx;
"""

BACKWARDS = """
DROP INDEX IF EXISTS product_search_document_idx;
ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_document;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)
        from django.contrib.postgres.indexes import GinIndex

        from shop.catalog.selectors.search import product_search_vector

        schema_editor.add_index(apps.get_model("catalog", "Product"), GinIndex(product_search_vector(), name="product_search_idx"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_translatable_labels")]
    operations = [migrations.RunPython(forwards, backwards)]
