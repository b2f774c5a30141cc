# The model moved here from the payments app; its table (created by payments' first
# migration) stays where it is, so only Django's idea of which app owns it changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DevProviderObject",
                    fields=[
                        ("id", models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ("kind", models.CharField(db_index=True, max_length=40)),
                        ("data", models.JSONField()),
                        ("idempotency_key", models.CharField(blank=True, db_index=True, max_length=255)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        "verbose_name": "development gateway object",
                        "verbose_name_plural": "development gateway objects",
                        "ordering": ["created_at", "id"],
                        "db_table": "payments_devproviderobject",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
