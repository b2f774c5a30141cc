"""Category names in French, Swahili and Urdu, and those names for the starting tree (0003)
wherever staff have not written their own. SQLite adds the columns by rebuilding
``catalog_category``, which drops its change triggers (0007): they are made again."""

from django.db import migrations, models

from shop.catalog.services.change_triggers import sqlite_triggers_again

# slug: (French, Swahili, Urdu)
NAMES = {
    "food": ("Alimentation", "Chakula", "کھانا"),
    "food-fresh-produce": ("Produits frais", "Mazao mabichi", "تازہ پیداوار"),
    "food-bakery": ("Boulangerie", "Mikate na keki", "بیکری"),
    "food-drinks": ("Boissons", "Vinywaji", "مشروبات"),
    "food-prepared-meals": ("Plats préparés", "Vyakula vilivyopikwa", "تیار کھانے"),
    "shopping": ("Courses", "Manunuzi", "خریداری"),
    "shopping-groceries": ("Épicerie", "Bidhaa za duka", "کریانہ"),
    "shopping-stationery": ("Papeterie", "Vifaa vya kuandikia", "اسٹیشنری"),
    "shopping-gifts": ("Cadeaux", "Zawadi", "تحائف"),
    "fashion": ("Mode", "Mitindo", "فیشن"),
    "fashion-women": ("Femmes", "Wanawake", "خواتین"),
    "fashion-men": ("Hommes", "Wanaume", "مرد"),
    "fashion-shoes": ("Chaussures", "Viatu", "جوتے"),
    "fashion-fabrics": ("Tissus", "Vitambaa", "کپڑا"),
    "electronics": ("Électronique", "Vifaa vya elektroniki", "الیکٹرانکس"),
    "electronics-phones": ("Téléphones", "Simu", "فون"),
    "electronics-computers": ("Ordinateurs", "Kompyuta", "کمپیوٹر"),
    "electronics-audio": ("Audio", "Sauti", "آڈیو"),
    "electronics-accessories": ("Accessoires", "Vifaa vya ziada", "لوازمات"),
    "home": ("Maison", "Nyumbani", "گھر"),
    "home-furniture": ("Meubles", "Samani", "فرنیچر"),
    "home-kitchen": ("Cuisine", "Jikoni", "باورچی خانہ"),
    "home-decor": ("Décoration", "Mapambo", "سجاوٹ"),
    "health": ("Santé", "Afya", "صحت"),
    "health-pharmacy": ("Pharmacie", "Duka la dawa", "فارمیسی"),
    "health-fitness": ("Forme", "Mazoezi", "فٹنس"),
    "beauty": ("Beauté", "Urembo", "خوبصورتی"),
    "beauty-skin-care": ("Soins de la peau", "Utunzaji wa ngozi", "جلد کی دیکھ بھال"),
    "beauty-hair": ("Cheveux", "Nywele", "بال"),
    "beauty-make-up": ("Maquillage", "Vipodozi", "میک اپ"),
    "crafts": ("Artisanat", "Kazi za mikono", "دستکاری"),
    "crafts-jewellery": ("Bijoux", "Vito", "زیورات"),
    "crafts-baskets": ("Paniers", "Vikapu", "ٹوکریاں"),
    "crafts-art": ("Art", "Sanaa", "فن"),
    "transport": ("Transport", "Usafiri", "نقل و حمل"),
    "transport-bicycles": ("Vélos", "Baiskeli", "سائیکلیں"),
    "transport-parts": ("Pièces", "Vipuri", "پرزے"),
    "transport-rides": ("Courses en véhicule", "Safari", "سواریاں"),
    "services": ("Services", "Huduma", "خدمات"),
    "services-repairs": ("Réparations", "Matengenezo", "مرمت"),
    "services-cleaning": ("Nettoyage", "Usafi", "صفائی"),
    "services-tailoring": ("Couture", "Ushonaji", "سلائی"),
    "services-lessons": ("Cours", "Masomo", "اسباق"),
}


def triggers_again(apps, schema_editor):
    sqlite_triggers_again(schema_editor, ["catalog_category"])


def name_starting_tree(apps, schema_editor):
    category = apps.get_model("catalog", "Category")
    for row in category.objects.filter(slug__in=NAMES):
        french, swahili, urdu = NAMES[row.slug]
        row.name_fr = row.name_fr or french
        row.name_sw = row.name_sw or swahili
        row.name_ur = row.name_ur or urdu
        row.save(update_fields=["name_fr", "name_sw", "name_ur"])


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0013_favorite_alerts'),
    ]

    operations = [
        migrations.AddField(
            model_name='category',
            name='name_fr',
            field=models.CharField(blank=True, max_length=60, verbose_name='name in French'),
        ),
        migrations.AddField(
            model_name='category',
            name='name_sw',
            field=models.CharField(blank=True, max_length=60, verbose_name='name in Swahili'),
        ),
        migrations.AddField(
            model_name='category',
            name='name_ur',
            field=models.CharField(blank=True, max_length=60, verbose_name='name in Urdu'),
        ),
        migrations.AlterField(
            model_name='category',
            name='name',
            field=models.CharField(help_text='In English.', max_length=60, verbose_name='name'),
        ),
        migrations.RunPython(triggers_again, migrations.RunPython.noop),
        migrations.RunPython(name_starting_tree, migrations.RunPython.noop),
    ]
