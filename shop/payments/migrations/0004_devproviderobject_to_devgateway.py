# The development gateway's objects now belong to the development-only app
# shop.devgateway (installed only with DEBUG=1). Only the state changes: the table stays,
# so a development database keeps its objects when that app is installed again.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_refund_promotion_minor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DevProviderObject")],
            database_operations=[],
        ),
    ]
