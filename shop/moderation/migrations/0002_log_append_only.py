from django.db import migrations

# The moderation log is append-only: the database refuses to change its rows (and, on
# PostgreSQL, to delete them one by one; TRUNCATE, which test flushes use, is not a row
# delete). SQLite's flush deletes row by row, so there only updates are refused.
SQLITE = [
    """CREATE TRIGGER moderation_log_no_update BEFORE UPDATE ON moderation_logentry
       BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS moderation_log_no_update"]
POSTGRES = [
    """CREATE FUNCTION moderation_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the moderation log is append-only'; END $$""",
    """CREATE TRIGGER moderation_log_append_only BEFORE UPDATE OR DELETE ON moderation_logentry
       FOR EACH ROW EXECUTE FUNCTION moderation_log_refuse()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS moderation_log_append_only ON moderation_logentry",
    "DROP FUNCTION IF EXISTS moderation_log_refuse()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
