"""PostgreSQL full-text search pieces, shared by the query and the GIN index migration.

The query must use exactly the indexed expression for PostgreSQL to use the index.
"""

from django.contrib.postgres.search import SearchVector


def product_search_vector():
    return (
        SearchVector("title", weight="A", config="simple")
        + SearchVector("tags_text", "brand", weight="B", config="simple")
        + SearchVector("description", weight="C", config="simple")
    )
