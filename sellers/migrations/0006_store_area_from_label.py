"""Link each existing store to the area its free text names, when exactly one area fits.

"Westlands, Nairobi" links to the Westlands whose ancestors include a Nairobi. A store
whose text fits no area, or several, keeps the text in ``area_label`` and no link; its
seller picks the area in the dashboard. On a database without areas nothing changes.
"""

from django.db import migrations


def _ancestor_names(area) -> list[str]:
    names = []
    parent = area.parent
    while parent is not None:
        names.append(parent.name.casefold())
        parent = parent.parent
    return names


def _match(area_model, label: str):
    parts = [part.strip() for part in label.split(",") if part.strip()]
    if not parts:
        return None
    candidates = list(area_model.objects.filter(name__iexact=parts[0]).select_related("parent__parent__parent"))
    wanted = [part.casefold() for part in parts[1:]]
    candidates = [area for area in candidates if all(name in _ancestor_names(area) for name in wanted)]
    return candidates[0] if len(candidates) == 1 else None


def link_areas(apps, schema_editor):
    store_model = apps.get_model("sellers", "Store")
    area_model = apps.get_model("geo", "Area")
    if not area_model.objects.exists():
        return
    for store in store_model.objects.filter(area__isnull=True).exclude(area_label=""):
        area = _match(area_model, store.area_label)
        if area is not None:
            # The area's full name now says what the text said.
            store_model.objects.filter(pk=store.pk).update(area=area, area_label="")


def restore_labels(apps, schema_editor):
    store_model = apps.get_model("sellers", "Store")
    for store in store_model.objects.filter(area__isnull=False, area_label="").select_related("area__parent"):
        label = store.area.name if store.area.parent is None else f"{store.area.name}, {store.area.parent.name}"
        store_model.objects.filter(pk=store.pk).update(area_label=label[:120])


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0005_store_profile_hours_invites"),
    ]

    operations = [migrations.RunPython(link_areas, restore_labels)]
