from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0001_returns"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnrequest",
            name="inspection_note",
            field=models.TextField(blank=True, max_length=1000, verbose_name="inspection note"),
        ),
        migrations.AddField(
            model_name="returnrequest",
            name="dispute_text",
            field=models.TextField(blank=True, max_length=1000, verbose_name="why the store disputes"),
        ),
        migrations.AddField(
            model_name="returnrequest",
            name="dispute_decision",
            field=models.CharField(
                blank=True,
                choices=[("refund", "Refund the buyer"), ("reject", "Reject the return")],
                max_length=12,
                verbose_name="staff decision on the dispute",
            ),
        ),
        migrations.AddField(
            model_name="returnrequest",
            name="disputed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="disputed at"),
        ),
        migrations.AlterField(
            model_name="returnrequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "Requested"),
                    ("approved", "Approved"),
                    ("received", "Received by the store"),
                    ("refunded", "Refunded"),
                    ("disputed", "Disputed by the store"),
                    ("rejected", "Rejected"),
                    ("escalated", "With Soko staff"),
                    ("cancelled", "Cancelled"),
                ],
                db_index=True,
                default="requested",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="returnevent",
            name="role",
            field=models.CharField(
                choices=[
                    ("buyer", "Buyer"),
                    ("store", "Store"),
                    ("staff", "Soko staff"),
                    ("courier", "Courier"),
                    ("system", "Soko (automatic)"),
                ],
                max_length=10,
                verbose_name="role",
            ),
        ),
        migrations.AddConstraint(
            model_name="returnrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "disputed"), _negated=True) | ~models.Q(("dispute_text", "")),
                name="return_disputed_has_reason",
            ),
        ),
    ]
