from django.db import migrations


class Migration(migrations.Migration):
    """The handover code now belongs to the orders app (state only; the table stays)."""

    dependencies = [
        ("couriers", "0004_translatable_labels"),
        ("orders", "0004_handovercode"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="HandoverCode")], database_operations=[])
    ]
