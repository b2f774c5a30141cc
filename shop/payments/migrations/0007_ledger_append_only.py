"""The ledger's tables refuse UPDATE and DELETE, and on PostgreSQL a transaction whose
entries do not sum to zero per currency is refused at COMMIT. The SQL, and why a flush
still empties the tables, live in ``shop.payments.ledger_triggers``."""

from django.db import migrations

from shop.payments.ledger.triggers import ledger_triggers_create, ledger_triggers_drop


def forwards(apps, schema_editor):
    ledger_triggers_create(schema_editor)


def backwards(apps, schema_editor):
    ledger_triggers_drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_credit_notes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
