"""The marketplace's starting category tree (staff can add more in the admin)."""

from django.db import migrations

CATEGORIES = [
    ("Food", "food", "bi-basket", ["Fresh produce", "Bakery", "Drinks", "Prepared meals"]),
    ("Shopping", "shopping", "bi-bag", ["Groceries", "Stationery", "Gifts"]),
    ("Fashion", "fashion", "bi-handbag", ["Women", "Men", "Shoes", "Fabrics"]),
    ("Electronics", "electronics", "bi-phone", ["Phones", "Computers", "Audio", "Accessories"]),
    ("Home", "home", "bi-house-door", ["Furniture", "Kitchen", "Decor"]),
    ("Health", "health", "bi-heart-pulse", ["Pharmacy", "Fitness"]),
    ("Beauty", "beauty", "bi-stars", ["Skin care", "Hair", "Make-up"]),
    ("Crafts", "crafts", "bi-palette", ["Jewellery", "Baskets", "Art"]),
    ("Transport", "transport", "bi-truck", ["Bicycles", "Parts", "Rides"]),
    ("Services", "services", "bi-tools", ["Repairs", "Cleaning", "Tailoring", "Lessons"]),
]


def create(apps, schema_editor):
    from django.utils.text import slugify

    category = apps.get_model("catalog", "Category")
    for position, (name, slug, icon, children) in enumerate(CATEGORIES):
        parent, _ = category.objects.get_or_create(slug=slug, defaults={"name": name, "icon": icon, "position": position})
        for child_position, child in enumerate(children):
            category.objects.get_or_create(
                slug=f"{slug}-{slugify(child)}",
                defaults={"name": child, "icon": icon, "parent": parent, "position": child_position},
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_postgres_search_indexes")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
