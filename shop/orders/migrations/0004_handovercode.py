import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The handover code moves to the orders app in Django's state only: its table keeps
    the couriers app's name, so nothing changes in the database."""

    dependencies = [
        ("couriers", "0004_translatable_labels"),
        ("orders", "0003_checkout_paid_at_checkout_payment_due_by_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HandoverCode",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("nonce", models.BinaryField(max_length=16, verbose_name="nonce")),
                        ("code_hash", models.CharField(max_length=64, unique=True, verbose_name="code hash")),
                        (
                            "short_code_hash",
                            models.CharField(
                                help_text="Hash of the numeric fallback, checked with the order number.",
                                max_length=64,
                                verbose_name="short code hash",
                            ),
                        ),
                        ("expires_at", models.DateTimeField(verbose_name="expires at")),
                        ("used_at", models.DateTimeField(blank=True, null=True, verbose_name="used at")),
                        ("failed_attempts", models.PositiveSmallIntegerField(default=0, verbose_name="failed attempts")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        (
                            "order",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="handover_code",
                                to="orders.order",
                                verbose_name="order",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "handover code",
                        "verbose_name_plural": "handover codes",
                        "db_table": "couriers_handovercode",
                    },
                )
            ],
            database_operations=[],
        )
    ]
