"""The home page shows featured posts and is cached for visitors under the catalog's stamp:
the posts table moves the stamp on like the catalog's own (catalog 0007)."""

from django.db import migrations

WATCHED_TABLES = ["blog_post"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION soko_catalog_changed()"
            )
        elif vendor == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_{event.lower()}_changed AFTER {event} ON {table} "
                    "BEGIN INSERT INTO catalog_catalogchange (id) VALUES (NULL); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        elif vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_changed")


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("catalog", "0013_favorite_alerts"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
