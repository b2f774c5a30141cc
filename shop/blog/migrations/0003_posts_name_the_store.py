"""A store's blog post shows on its own page (and the blog's, which are not kept): each
change names the store, so it drops that store's pages, not every kept page."""

from django.db import migrations

from shop.catalog.services.change_triggers import store_rows_triggers_create, store_rows_triggers_drop

TABLES = ["blog_post"]


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0002_post_change_triggers"),
        ("catalog", "0020_pictures_and_stores_scope_their_changes"),
    ]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: store_rows_triggers_create(schema_editor, TABLES),
            lambda apps, schema_editor: store_rows_triggers_drop(schema_editor, TABLES),
        )
    ]
