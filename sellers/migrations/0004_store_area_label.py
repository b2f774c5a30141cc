from django.db import migrations, models


class Migration(migrations.Migration):
    """The free-text area becomes ``area_label``; 0005 adds the ``area`` link to geo.Area
    and 0006 links existing stores whose text names a known area."""

    dependencies = [
        ("sellers", "0003_store_location_scope_counters"),
    ]

    operations = [
        migrations.RenameField(model_name="store", old_name="area", new_name="area_label"),
        migrations.AlterField(
            model_name="store",
            name="area_label",
            field=models.CharField(
                blank=True, help_text="Optional, e.g. Sarit Centre, 2nd floor.", max_length=120, verbose_name="street or landmark"
            ),
        ),
    ]
