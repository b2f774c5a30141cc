"""Demo catalog for `manage.py seed_demo`: five located stores and ~70 live listings with
variants, tags and generated still-life pictures (`shop.demo.services.pictures`). Idempotent: stores
and products are found by slug, and a product's variants, pictures and tags are made only
when the product is new."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify

from sellers.models import Store, StoreMember
from sellers.selectors import area_match_label
from sellers.services import store_currency_for_area
from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.catalog.services.products import product_summary_refresh, product_tags_set
from shop.demo.data import STORES
from shop.demo.services.pictures import still_life_picture
from shop.media.services.images import image_process, image_store

# The rows below give prices in shillings; a store pricing in another currency gets them
# converted at about the market rate and rounded as its shops round: (factor, rounding step).
PRICE_SCALE = {"KES": (Decimal("1"), Decimal("1")), "GNF": (Decimal("70"), Decimal("500")), "PKR": (Decimal("2.2"), Decimal("10"))}


def demo_price(shillings, currency: str) -> Decimal:
    factor, step = PRICE_SCALE.get(currency, PRICE_SCALE["KES"])
    return max(step, (Decimal(str(shillings)) * factor / step).quantize(Decimal("1")) * step)


# A product's variants: (name, attributes, price delta or absolute Decimal price, duration in minutes).
def colours(*names):
    return [(name, {"colour": name.lower()}, 0, None) for name in names]


def sizes(*names, colour=None):
    extra = {"colour": colour.lower()} if colour else {}
    return [(name, {"size": name, **extra}, 0, None) for name in names]


def colour_sizes(colour_names, size_names):
    return [(f"{c} / {s}", {"colour": c.lower(), "size": s}, 0, None) for c in colour_names for s in size_names]


def options(*rows):
    """(name, absolute price, duration) rows: weights, packs, service tiers."""
    return [(name, {}, Decimal(str(price)), duration) for name, price, duration in rows]


ONE = [("Standard", {}, 0, None)]

# (store, category, title, brand, price, variants, tags, condition, kind, description, extras)
P, S, D = Product.Kind.PHYSICAL, Product.Kind.SERVICE, Product.Kind.DIGITAL
NEW, USED, HANDMADE = Product.Condition.NEW, Product.Condition.USED, Product.Condition.HANDMADE
PRODUCTS = [
    # Mama Njeri Crafts: crafts, fabrics, home
    ("mama-njeri-crafts", "crafts-baskets", "Kiondo sisal basket", "Mama Njeri", 1800, colours("Natural", "Red", "Blue"),
     "kiondo sisal basket handwoven", HANDMADE, P, "Handwoven from sisal by Kitui weavers, with a leather strap. Big enough for a market run.", {"featured": True}),
    ("mama-njeri-crafts", "crafts-jewellery", "Maasai beaded necklace", "Mama Njeri", 950, colours("Red", "Blue", "Multicolour"),
     "beadwork necklace maasai jewellery", HANDMADE, P, "A collar necklace of glass beads strung on wire, made in Kajiado.", {"compare_at": 1200}),
    ("mama-njeri-crafts", "fashion-shoes", "Beaded leather sandals", "Mama Njeri", 2200, sizes("38", "39", "40", "41", "42", "43", colour="Brown"),
     "sandals leather beaded shoes", HANDMADE, P, "Full-grain leather sandals with a hand-beaded strap. Soles from recycled tyres.", {}),
    ("mama-njeri-crafts", "fashion-fabrics", "Kikoi beach wrap", "Mama Njeri", 1200, colours("Blue", "Orange", "Green"),
     "kikoi cotton wrap beach", NEW, P, "Soft striped cotton kikoi with tassels: a wrap, a towel or a scarf.", {"compare_at": 1500, "featured": True}),
    ("mama-njeri-crafts", "fashion-fabrics", "Kitenge fabric, 6 yards", "Java Print", 2500, colours("Yellow", "Purple", "Teal"),
     "kitenge fabric ankara print", NEW, P, "Six yards of wax-print cotton, enough for a dress and a head wrap.", {}),
    ("mama-njeri-crafts", "crafts-art", "Soapstone elephant carving", "Kisii Stone", 650, options(("Small", 650, None), ("Medium", 1100, None), ("Large", 1900, None)),
     "soapstone carving elephant kisii", HANDMADE, P, "Carved and polished by hand in Tabaka, Kisii.", {}),
    ("mama-njeri-crafts", "home-decor", "Maasai shuka blanket", "Mama Njeri", 1500, colours("Red", "Blue"),
     "shuka blanket maasai checked", NEW, P, "The classic checked shuka: a blanket, a throw or a picnic cloth.", {"featured": True}),
    ("mama-njeri-crafts", "home-kitchen", "Banana-fibre table mats, set of 6", "Mama Njeri", 1100, ONE,
     "table mats banana fibre kitchen", HANDMADE, P, "Six round mats woven from dried banana fibre.", {}),
    ("mama-njeri-crafts", "home-kitchen", "Olive wood salad servers", "Mama Njeri", 850, ONE,
     "olive wood kitchen servers", HANDMADE, P, "A pair of salad servers turned from wild olive wood.", {"stock": 2}),
    ("mama-njeri-crafts", "home-decor", "Kisii soapstone bowl", "Kisii Stone", 1300, colours("White", "Pink"),
     "soapstone bowl decor", HANDMADE, P, "A shallow fruit bowl with an etched rim.", {}),
    ("mama-njeri-crafts", "crafts-jewellery", "Beaded bracelet set", "Mama Njeri", 450, ONE,
     "bracelet beadwork jewellery gift", HANDMADE, P, "Five stretch bracelets in the colours of the flag.", {"stock": 1}),
    ("mama-njeri-crafts", "crafts-art", "Hand-painted Maasai canvas", "Mama Njeri", 4500, ONE,
     "painting canvas art maasai", HANDMADE, P, "Acrylic on canvas, 60 × 40 cm, signed by the artist.", {"stock": 0}),
    ("mama-njeri-crafts", "fashion-men", "Leather weekender bag", "Mama Njeri", 6500, colours("Brown", "Black"),
     "leather bag travel weekender", HANDMADE, P, "A roomy travel bag in vegetable-tanned leather with brass buckles.", {"compare_at": 7800}),
    ("mama-njeri-crafts", "home-furniture", "Mvule wood coffee table", "Mama Njeri", 12500, ONE,
     "coffee table mvule wood furniture", HANDMADE, P, "Solid mvule hardwood, 90 × 50 cm. Delivered assembled within Nairobi.", {}),
    # Kaloum Électronique: electronics
    ("kaloum-electronique", "electronics-phones", "Samsung Galaxy A15, 128 GB", "Samsung", 19500, colours("Black", "Blue"),
     "smartphone android samsung galaxy", NEW, P, "6.5-inch Super AMOLED screen, 50 MP camera, 5000 mAh battery. Dual SIM.", {"featured": True}),
    ("kaloum-electronique", "electronics-phones", "Tecno Spark 20", "Tecno", 16500, colours("Black", "Gold"),
     "smartphone android tecno", NEW, P, "A big-battery phone with a 50 MP camera and 256 GB of storage.", {}),
    ("kaloum-electronique", "electronics-phones", "Infinix Hot 40i", "Infinix", 14999, colours("Black", "Green"),
     "smartphone android infinix", NEW, P, "6.6-inch 90 Hz display, 128 GB storage, fast charging.", {"compare_at": 16999}),
    ("kaloum-electronique", "electronics-phones", "Nokia 105 feature phone", "Nokia", 2600, colours("Black", "Blue"),
     "feature phone nokia radio torch", NEW, P, "Weeks of standby, FM radio and a torch. Dual SIM.", {}),
    ("kaloum-electronique", "electronics-computers", "Refurbished HP EliteBook 840 G5", "HP", 38000,
     options(("8 GB / 256 GB SSD", 38000, None), ("16 GB / 512 GB SSD", 46000, None)),
     "laptop refurbished hp elitebook", USED, P, "Intel Core i5, 14-inch full HD screen, tested and cleaned, 3-month warranty.", {}),
    ("kaloum-electronique", "electronics-computers", "Lenovo IdeaPad 3", "Lenovo", 54000, ONE,
     "laptop lenovo ideapad", NEW, P, "Ryzen 5, 8 GB RAM, 512 GB SSD, 15.6-inch screen.", {"stock": 3}),
    ("kaloum-electronique", "electronics-audio", "Oraimo FreePods 4 earbuds", "Oraimo", 3500, colours("Black", "White"),
     "earbuds wireless bluetooth audio", NEW, P, "Noise-cancelling wireless earbuds with 35 hours of play.", {"compare_at": 4200, "featured": True}),
    ("kaloum-electronique", "electronics-audio", "JBL Go 3 speaker", "JBL", 5200, colours("Black", "Red", "Blue"),
     "speaker bluetooth waterproof audio", NEW, P, "A pocket Bluetooth speaker, waterproof and dustproof.", {}),
    ("kaloum-electronique", "electronics-audio", "Solar FM radio", "Solarix", 3200, ONE,
     "radio solar fm torch", NEW, P, "Charges from the sun or USB; radio, torch and a phone charger.", {}),
    ("kaloum-electronique", "electronics-accessories", "Oraimo 20000 mAh power bank", "Oraimo", 2800, ONE,
     "power bank charger battery", NEW, P, "Charges a phone four times; two USB ports and USB-C.", {}),
    ("kaloum-electronique", "electronics-accessories", "Samsung 25 W USB-C charger", "Samsung", 1800, ONE,
     "charger usb-c fast samsung", NEW, P, "Super Fast Charging adapter with a 1 m USB-C cable.", {}),
    ("kaloum-electronique", "electronics-accessories", "Tempered glass screen protector", "", 300, ONE,
     "screen protector glass phone", NEW, P, "9H tempered glass for most 6.5-inch phones. Fitted free in store.", {}),
    ("kaloum-electronique", "electronics-accessories", "Redmi Watch 3", "Xiaomi", 7200, colours("Black", "Ivory"),
     "smartwatch fitness xiaomi", NEW, P, "AMOLED smartwatch with GPS and two weeks of battery.", {}),
    ("kaloum-electronique", "health-pharmacy", "Omron digital thermometer", "Omron", 900, ONE,
     "thermometer health digital", NEW, P, "Reads in 60 seconds; flexible tip.", {}),
    # Nyali Fresh Market: food and groceries
    ("nyali-fresh-market", "food-fresh-produce", "Apple mangoes", "", 250, options(("1 kg", 250, None), ("3 kg", 700, None)),
     "mango fruit fresh", NEW, P, "Sweet apple mangoes from Malindi, picked this week.", {"featured": True}),
    ("nyali-fresh-market", "food-fresh-produce", "Sukuma wiki, bunch", "", 50, ONE,
     "sukuma kale greens vegetables", NEW, P, "Fresh collard greens, washed and bunched.", {}),
    ("nyali-fresh-market", "shopping-groceries", "Pishori rice, 2 kg", "Mwea", 480, ONE,
     "rice pishori groceries", NEW, P, "Aromatic Mwea pishori rice.", {}),
    ("nyali-fresh-market", "shopping-groceries", "Pilau masala, 100 g", "Pwani Spice Co", 150, ONE,
     "spices pilau masala swahili", NEW, P, "Cumin, cardamom, cinnamon, cloves and pepper, ground this month.", {}),
    ("nyali-fresh-market", "food-bakery", "Mandazi, a dozen", "", 240, ONE,
     "mandazi bakery breakfast", NEW, P, "Coconut mandazi fried every morning at six.", {}),
    ("nyali-fresh-market", "food-bakery", "Coconut bread loaf", "", 180, ONE,
     "bread coconut bakery", NEW, P, "A soft Swahili loaf made with coconut milk.", {"stock": 2}),
    ("nyali-fresh-market", "food-bakery", "Chapati, pack of 10", "", 300, ONE,
     "chapati flatbread", NEW, P, "Soft layered chapati, ready to warm.", {}),
    ("nyali-fresh-market", "food-drinks", "Fresh passion juice, 1 litre", "", 350, ONE,
     "juice passion fruit drinks", NEW, P, "Pressed passion fruit, no added sugar. Keep cold.", {}),
    ("nyali-fresh-market", "food-drinks", "Kenya AA coffee, 500 g", "Dormans", 1200,
     options(("Whole bean", 1200, None), ("Ground", 1200, None)),
     "coffee kenya aa beans", NEW, P, "Bright, fruity Kenya AA, medium roast.", {"compare_at": 1400}),
    ("nyali-fresh-market", "food-drinks", "Ketepa tea, 250 g", "Ketepa", 320, ONE,
     "tea chai ketepa", NEW, P, "Loose-leaf black tea for chai.", {}),
    ("nyali-fresh-market", "food-prepared-meals", "Chicken biryani for two", "", 950, ONE,
     "biryani swahili meal chicken", NEW, P, "Mombasa-style biryani with kachumbari, cooked to order.", {}),
    ("nyali-fresh-market", "food-prepared-meals", "Samosa platter", "", 600, options(("12 pieces", 600, None), ("24 pieces", 1100, None)),
     "samosa snacks party", NEW, P, "Beef and vegetable samosas with tamarind sauce.", {}),
    ("nyali-fresh-market", "shopping-groceries", "Baringo honey, 500 g", "Baringo Gold", 650, ONE,
     "honey natural groceries", NEW, P, "Raw acacia honey from Baringo.", {}),
    ("nyali-fresh-market", "shopping-stationery", "Exercise books, pack of 12", "Kasuku", 540, ONE,
     "exercise books school stationery", NEW, P, "96-page ruled books for school.", {}),
    ("nyali-fresh-market", "shopping-gifts", "Pwani treats gift hamper", "", 3500, ONE,
     "gift hamper coffee honey", NEW, P, "Coffee, honey, spices and cashews in a woven basket.", {"stock": 0}),
    # Kilimani Fixit: services, transport
    ("kilimani-fixit", "services-repairs", "Phone screen replacement", "", 2500,
     options(("Compatible screen", 2500, 60), ("Original screen", 6500, 90)),
     "phone repair screen", NEW, S, "We replace cracked screens while you wait, with a 3-month guarantee.", {"featured": True}),
    ("kilimani-fixit", "services-repairs", "Laptop cleaning and service", "", 1500, options(("Standard service", 1500, 120)),
     "laptop repair cleaning service", NEW, S, "Dust out, new thermal paste, software check-up.", {}),
    ("kilimani-fixit", "services-cleaning", "Home deep cleaning", "", 3500,
     options(("1 bedroom", 3500, 180), ("2 bedrooms", 5000, 240), ("3 bedrooms", 6500, 300)),
     "cleaning home house", NEW, S, "Two cleaners with their own equipment and eco-friendly products.", {}),
    ("kilimani-fixit", "services-cleaning", "Sofa shampoo cleaning", "", 2000, options(("5 seats", 2000, 90), ("7 seats", 2600, 120)),
     "sofa cleaning shampoo", NEW, S, "Deep shampoo and extraction; dry within six hours.", {}),
    ("kilimani-fixit", "services-tailoring", "Clothing alterations", "", 500, options(("Hem or take in", 500, 30), ("Full refit", 1500, 90)),
     "tailoring alterations clothes", NEW, S, "Trousers, dresses and suits altered in a day.", {}),
    ("kilimani-fixit", "services-tailoring", "Made-to-measure suit", "", 12000, options(("Two-piece", 12000, 120), ("Three-piece", 15000, 150)),
     "suit tailoring bespoke", NEW, S, "Two fittings, your choice of fabric.", {}),
    ("kilimani-fixit", "services-lessons", "Swahili lessons online", "", 800, options(("1 hour", 800, 60), ("5 hours", 3600, 300)),
     "swahili lessons language online", NEW, S, "One-to-one video lessons for beginners and improvers.", {}),
    ("kilimani-fixit", "services-lessons", "KCSE maths tutoring", "", 1000, options(("1 hour", 1000, 60)),
     "maths tutoring kcse lessons", NEW, S, "Exam practice with a qualified teacher, at home or online.", {}),
    ("kilimani-fixit", "services-repairs", "Bicycle tune-up", "", 700, options(("Tune-up", 700, 60)),
     "bicycle repair service", NEW, S, "Brakes, gears, chain and tyres checked and adjusted.", {}),
    ("kilimani-fixit", "transport-rides", "Boda boda parcel run", "", 300, options(("Within 5 km", 300, 30), ("Within 15 km", 600, 60)),
     "boda boda delivery parcel ride", NEW, S, "A rider picks up and drops your parcel across Nairobi.", {}),
    ("kilimani-fixit", "transport-bicycles", "Used city bicycle, 26-inch", "Raleigh", 9000, ONE,
     "bicycle used city", USED, P, "Serviced, new tyres and brake pads. One owner.", {"stock": 1}),
    ("kilimani-fixit", "transport-parts", "Bicycle inner tube, 26-inch", "", 400, ONE,
     "bicycle tube parts", NEW, P, "Schrader valve inner tube.", {}),
    ("kilimani-fixit", "services-lessons", "Digital photography course (video)", "", 2500, options(("Lifetime access", 2500, None)),
     "photography course video", NEW, D, "Eight video lessons you can download: from phone camera basics to editing.", {}),
    # Madina Mode: fashion, beauty, health
    ("madina-mode", "fashion-men", "Bazin riche grand boubou", "Madina Mode", 9500, colour_sizes(["White", "Blue"], ["M", "L", "XL"]),
     "bazin boubou traditional", NEW, P, "Polished bazin riche with hand embroidery at the neck.", {"featured": True}),
    ("madina-mode", "fashion-women", "Wax print maxi dress", "Madina Mode", 4500, colour_sizes(["Yellow", "Red"], ["S", "M", "L"]),
     "dress wax print ankara", NEW, P, "A flowing maxi dress in Dutch wax cotton.", {"compare_at": 5500}),
    ("madina-mode", "fashion-fabrics", "Indigo leppi fabric", "Madina Mode", 3000, ONE,
     "leppi indigo fabric guinea", HANDMADE, P, "Hand-dyed Fouta Djallon indigo, 2 metres.", {}),
    ("madina-mode", "fashion-women", "Handmade leather handbag", "Madina Mode", 5500, colours("Tan", "Black"),
     "handbag leather women", HANDMADE, P, "A structured handbag with a detachable strap.", {}),
    ("madina-mode", "beauty-skin-care", "Raw shea butter, 250 g", "Karité Guinée", 700, ONE,
     "shea butter skin care natural", NEW, P, "Unrefined shea butter from women's cooperatives.", {}),
    ("madina-mode", "beauty-skin-care", "African black soap", "Karité Guinée", 350, ONE,
     "black soap skin care", HANDMADE, P, "Plantain-ash soap for face and body.", {"stock": 3}),
    ("madina-mode", "beauty-hair", "Braiding hair extensions", "X-pression", 600, colours("Black", "Brown", "Burgundy"),
     "braiding hair extensions", NEW, P, "Pre-stretched braiding hair, 3 packs.", {}),
    ("madina-mode", "beauty-hair", "Hair braiding appointment", "", 2500, options(("Cornrows", 2500, 120), ("Box braids", 6000, 300)),
     "hair braiding salon", NEW, S, "At our Madina salon; bring your own extensions or buy them here.", {}),
    ("madina-mode", "beauty-make-up", "Matte lipstick", "Black Opal", 850, colours("Red", "Plum", "Nude"),
     "lipstick make-up matte", NEW, P, "Long-wearing matte colour made for deeper skin tones.", {}),
    ("madina-mode", "home-decor", "Bogolan mud cloth cushion cover", "Madina Mode", 1800, ONE,
     "bogolan mud cloth cushion decor", HANDMADE, P, "45 × 45 cm cover in hand-painted mud cloth.", {}),
    ("madina-mode", "health-fitness", "Yoga mat, 6 mm", "", 1800, colours("Purple", "Green", "Black"),
     "yoga mat fitness exercise", NEW, P, "Non-slip mat with a carry strap.", {}),
    ("madina-mode", "fashion-fabrics", "Pagne tissé main, 2 mètres", "Madina Mode", 2800, colours("Blue", "Orange"),
     "pagne tissage fabric handwoven", HANDMADE, P, "Pagne tissé à la main à Labé : coton épais, couleurs qui tiennent au lavage.", {}),
    ("madina-mode", "beauty-skin-care", "Savon noir au karité", "Karité Guinée", 400, ONE,
     "savon noir karite soap", HANDMADE, P, "Savon noir artisanal au beurre de karité, 200 g.", {}),
    # Nyali Fresh Market, in Swahili as its customers ask for it
    ("nyali-fresh-market", "food-drinks", "Asali safi ya nyuki, 500 g", "Asali ya Kwale", 650, ONE,
     "asali honey nyuki", NEW, P, "Asali safi kutoka Kwale, haijachanganywa na sukari.", {}),
    ("nyali-fresh-market", "food-drinks", "Chai ya tangawizi, 250 g", "", 300, ONE,
     "chai tangawizi tea ginger", NEW, P, "Majani ya chai ya Kericho yaliyochanganywa na tangawizi kavu.", {}),
    # Anarkali Karigar: crafts and clothes from Punjab and Sindh
    ("anarkali-karigar", "fashion-shoes", "ملتانی کھسہ", "Anarkali Karigar", 1800, sizes("38", "39", "40", "41", "42", colour="Gold"),
     "khussa shoes multani handmade", HANDMADE, P, "ملتان کے کاریگروں کا بنایا ہوا کڑھائی والا کھسہ۔ Hand-embroidered Multani khussa.", {"featured": True}),
    ("anarkali-karigar", "fashion-fabrics", "سندھی اجرک شال", "Anarkali Karigar", 1500, colours("Red", "Blue"),
     "ajrak shawl fabric sindhi block print", HANDMADE, P, "ہالا کی ہاتھ سے چھپی اجرک، قدرتی رنگوں میں۔", {}),
    ("anarkali-karigar", "home-decor", "Ralli quilt, single", "Anarkali Karigar", 4200, colours("Multicolour"),
     "ralli quilt blanket sindh patchwork", HANDMADE, P, "A patchwork ralli stitched by hand in Tharparkar: a bedcover or a wall hanging.", {}),
    ("anarkali-karigar", "fashion-men", "Peshawari chappal", "Anarkali Karigar", 2600, sizes("40", "41", "42", "43", "44", colour="Brown"),
     "peshawari chappal sandals leather", HANDMADE, P, "Leather Peshawari chappal with a double sole.", {}),
    ("anarkali-karigar", "fashion-women", "کڑھائی والا لان سوٹ", "Anarkali Karigar", 3800, colours("Teal", "Pink"),
     "lawn suit embroidered three piece", NEW, P, "تین پیس لان سوٹ: کڑھائی والی قمیض، دوپٹہ اور شلوار۔", {"compare_at": 4500}),
    # Saddar Spice House, Karachi
    ("saddar-spice-house", "food-prepared-meals", "بریانی مصالحہ، 100 گرام", "Saddar Spice House", 120, options(("100 g", 120, None), ("500 g", 520, None)),
     "biryani masala spices", NEW, P, "کراچی کی سندھی بریانی کا مصالحہ، گھر میں پیسا ہوا۔", {}),
    ("saddar-spice-house", "food-drinks", "Kashmiri chai mix, 200 g", "Saddar Spice House", 380, ONE,
     "kashmiri chai pink tea", NEW, P, "Green tea leaves, cardamom and a pinch of salt for pink noon chai.", {}),
]

PALETTE = {
    "red": (200, 48, 48), "blue": (37, 99, 235), "green": (22, 163, 74), "orange": (234, 118, 20), "yellow": (234, 179, 8),
    "purple": (126, 34, 206), "teal": (13, 148, 136), "black": (40, 40, 46), "white": (203, 213, 225), "brown": (133, 77, 14),
    "natural": (196, 164, 120), "multicolour": (219, 39, 119), "gold": (202, 138, 4), "ivory": (214, 206, 180),
    "pink": (236, 72, 153), "tan": (180, 125, 73), "burgundy": (128, 24, 48), "plum": (112, 26, 90), "nude": (205, 150, 120),
}
CATEGORY_COLOURS = {
    "food": (22, 163, 74), "shopping": (217, 119, 6), "fashion": (190, 24, 93), "electronics": (37, 99, 235),
    "home": (180, 83, 9), "health": (220, 38, 38), "beauty": (219, 39, 119), "crafts": (124, 58, 237),
    "transport": (8, 145, 178), "services": (15, 118, 110),
}


def seed_catalog() -> dict:
    """Create the demo stores' locations, the extra stores and the listings; returns counts of what is new."""
    created_products = 0
    stores = _stores()
    categories = {category.slug: category for category in Category.objects.select_related("parent")}
    now = timezone.now()
    for index, row in enumerate(PRODUCTS):
        if _product(row, index=index, stores=stores, categories=categories, now=now):
            created_products += 1
    for store in stores.values():
        _store_totals(store)
    return {"stores": len(stores), "products": Product.objects.filter(store__in=stores.values()).count(), "new_products": created_products}


def _stores() -> dict[str, Store]:
    user_model = get_user_model()
    stores = {}
    for slug, (owner_email, name, phone, area, lat, lng, scopes, verified) in STORES.items():
        located = {
            "latitude": Decimal(lat),
            "longitude": Decimal(lng),
            "delivers_local": "local" in scopes,
            "delivers_national": "national" in scopes,
            "delivers_international": "international" in scopes,
            "delivers_digital": "digital" in scopes,
            "verified": verified,
        }
        store = Store.objects.filter(slug=slug).first()
        if store is None:
            store = Store.objects.create(slug=slug, name=name, phone=phone, **_area_fields(area), **located)
        elif store.latitude is None:
            # One of seed_accounts' stores, seen for the first time: give it its place.
            Store.objects.filter(pk=store.pk).update(**located)
            store.refresh_from_db()
        owner = user_model.objects.filter(email=owner_email).first()
        if owner is not None:
            StoreMember.objects.get_or_create(store=store, user=owner, defaults={"role": StoreMember.Role.OWNER})
        stores[slug] = store
    return stores


def _area_fields(label: str) -> dict:
    """Linked to the geo tree when exactly one area fits the label, else kept as the seller's
    text; the store prices in its country's currency."""
    area = area_match_label(label=label)
    return {"area": area, "area_label": "" if area else label, "currency": store_currency_for_area(area)}


@transaction.atomic
def _product(row, *, index: int, stores, categories, now) -> bool:
    store_slug, category_slug, title, brand, price, variants, tags, condition, kind, description, extras = row
    slug = (slugify(title) or slugify(tags))[:140]  # an Urdu title has no Latin letters: its tags name it
    if Product.objects.filter(slug=slug).exists():
        return False
    rng = random.Random(slug)
    product = Product.objects.create(
        store=stores[store_slug],
        category=categories[category_slug],
        kind=kind,
        title=title,
        slug=slug,
        description=description,
        brand=brand,
        condition=condition,
        status=Product.Status.ACTIVE,
        featured=extras.get("featured", False),
        # Spread over the last five weeks, the first rows newest.
        published_at=now - timedelta(hours=11 * index + rng.randint(0, 10)),
        orders_count=rng.randint(0, 240),
    )
    currency = stores[store_slug].currency
    base = demo_price(price, currency)
    compare_at = extras.get("compare_at") and demo_price(extras["compare_at"], currency)
    stocks = [_variant_stock(kind, extras=extras, rng=rng) for _ in variants]
    if not any(stocks) and "stock" not in extras:
        # Every listing shown on the demo home page should be buyable unless sold out on purpose.
        stocks = [5] * len(variants)
    for position, ((name, attributes, price_or_delta, duration), stock) in enumerate(zip(variants, stocks, strict=True)):
        variant_price = demo_price(price_or_delta, currency) if isinstance(price_or_delta, Decimal) else base + demo_price(price_or_delta, currency) * bool(price_or_delta)
        Variant.objects.create(
            product=product,
            name=name,
            sku=f"{slug[:24].upper()}-{position + 1}",
            attributes=attributes,
            price=variant_price,
            compare_at_price=(Decimal(str(compare_at)) * variant_price / base).quantize(Decimal("1")) if compare_at else None,
            stock=stock,
            duration_minutes=duration,
            position=position,
        )
    product_summary_refresh(product=product)
    product_tags_set(product=product, names=tags.split())
    _pictures(product, variants=variants, tags=tags, top_slug=product.category.parent.slug if product.category.parent else product.category.slug)
    return True


def _variant_stock(kind: str, *, extras: dict, rng: random.Random) -> int:
    """A new variant's opening stock: the row's own figure, else a seeded pick that fits the kind."""
    stock = extras["stock"] if "stock" in extras else rng.choice([0, 2, 3, 6, 8, 12, 15, 20, 25, 40])
    if kind == Product.Kind.SERVICE:
        stock = extras.get("stock", rng.choice([2, 4, 5]))
    if kind == Product.Kind.DIGITAL:
        stock = 999
    return stock


def _pictures(product: Product, *, variants, tags: str, top_slug: str) -> None:
    """One still life per colour the listing comes in (up to three), else one in its category's colour."""
    tints = [attributes["colour"] for _, attributes, _, _ in variants if attributes.get("colour")]
    tints = list(dict.fromkeys(tints))[:3] or [None]
    for position, tint in enumerate(tints):
        colour = PALETTE.get(tint or "", CATEGORY_COLOURS.get(top_slug, (15, 118, 110)))
        content = still_life_picture(
            words=f"{product.title} {tags}", colour=colour, top_slug=top_slug, seed=f"{product.slug}-{position}"
        )
        image = image_store(upload=ContentFile(content, name=f"{product.slug}-{position + 1}.jpg"))
        # Ready now rather than when a worker gets to it, so the demo shows pictures at once.
        image_process(image_id=image.pk)
        alt = f"{product.title}, {tint}" if tint else product.title
        # A colour's picture belongs to its first variant, so the gallery follows the shopper's pick.
        variant = product.variants.filter(attributes__colour=tint).order_by("position").first() if tint else None
        ProductImage.objects.create(product=product, image=image, variant=variant, alt=alt[:140], position=position)


def _store_totals(store: Store) -> None:
    """Store order count as the sum of its listings'. Ratings start at nothing: the demo
    reviews (`shop.demo.services.reviews`) make them."""
    orders = Product.objects.filter(store=store).aggregate(orders=Sum("orders_count"))["orders"] or 0
    Store.objects.filter(pk=store.pk).update(orders_count=orders)
