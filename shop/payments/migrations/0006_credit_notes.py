import django.db.models.deletion
from django.db import migrations, models

import shop.media.services.storage


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_suspense_refunds_disputes_provider_fees"),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("number", models.CharField(max_length=50, unique=True, verbose_name="number")),
                (
                    "pdf",
                    models.FileField(
                        blank=True,
                        storage=shop.media.services.storage.private_storage,
                        upload_to="credit-notes/",
                        verbose_name="PDF",
                    ),
                ),
                ("emailed_at", models.DateTimeField(blank=True, null=True, verbose_name="emailed at")),
                (
                    "refund",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_note",
                        to="payments.refund",
                        verbose_name="refund",
                    ),
                ),
            ],
            options={
                "verbose_name": "credit note",
                "verbose_name_plural": "credit notes",
                "ordering": ["created_at", "id"],
            },
        ),
    ]
