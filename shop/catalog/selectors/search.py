"""Search pieces shared by the product search (selectors) and the GIN index migration.

PostgreSQL: the weighted full-text vector, stored in a generated column (``SearchDocument``),
and which words of a search it knows at all (``search_words_indexed``). Elsewhere (SQLite): a vocabulary of the words in live
listings' titles, brands and tags, and a fuzzy matcher that offers, for a word no listing
contains, the vocabulary words within a typo or two of it.
"""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.cache import cache
from django.db import connection
from django.db.models import Expression
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from shop.catalog.models import Product

VOCABULARY_CACHE_KEY = "catalog:search-vocabulary"
# Shorter words are too ambiguous to correct: "red" is one letter from "bed".
FUZZY_MIN_LENGTH = 4
FUZZY_MAX_ALTERNATIVES = 3
WORD = re.compile(r"\w+")


def product_search_vector():
    return (
        SearchVector("title", weight="A", config="simple")
        + SearchVector("tags_text", "brand", weight="B", config="simple")
        + SearchVector("description", weight="C", config="simple")
    )


class SearchDocument(Expression):
    """PostgreSQL: the product's stored, GIN-indexed ``search_document`` column, generated
    from ``product_search_vector()`` (migration catalog 0006). It is not a model field, so
    Django never writes it; PostgreSQL keeps it in step with every insert and update."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_document", []


def search_vocabulary() -> list[str]:
    """The distinct lower-case words of live listings' titles, brands and tags (one query, cached)."""
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        found = set()
        for row in Product.objects.visible().order_by().values_list("title", "brand", "tags_text"):
            found.update(WORD.findall(" ".join(row).lower()))
        words = sorted(word for word in found if len(word) >= FUZZY_MIN_LENGTH - 1)
        cache.set(VOCABULARY_CACHE_KEY, words, settings.SOKO_SEARCH_VOCABULARY_SECONDS)
    return words


def search_word_spellings(word: str, *, vocabulary: list[str]) -> list[str]:
    """The word itself, plus the vocabulary words it is probably a misspelling of.

    A word that some listing word contains is taken as meant: it matches as before and gains
    nothing. Otherwise up to three vocabulary words within one edit (two for words of six
    letters or more; a swap of neighbouring letters is one edit) are offered, closest first.
    """
    text = word.lower()
    if len(text) < FUZZY_MIN_LENGTH or any(text in known for known in vocabulary):
        return [word]
    max_edits = 1 if len(text) < 6 else 2
    close = process.extract(
        text, vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=max_edits, limit=FUZZY_MAX_ALTERNATIVES
    )
    return [word, *(known for known, _distance, _index in close)]


INDEXED_WORDS_SQL = """
SELECT word FROM unnest(%s::text[]) AS word
WHERE EXISTS (
    SELECT 1 FROM catalog_product
    WHERE status = ANY(%s) AND search_document @@ plainto_tsquery('simple'::regconfig, word)
)
"""


def search_words_indexed(words: list[str]) -> set[str]:
    """PostgreSQL: the words that some live listing's search document has, in one query
    through the GIN index (a probe per word, whatever the catalog's size). The others are
    probably typos, and are matched by title trigrams instead. (Asked word by word with the
    word in the query text, the planner expects a rare word to turn up within a few rows and
    scans the table for a typo; with the words as a list it takes the index.)"""
    with connection.cursor() as cursor:
        cursor.execute(INDEXED_WORDS_SQL, [words, list(Product.VISIBLE_STATUSES)])
        return {word for (word,) in cursor.fetchall()}
