"""Seeds the oscar shop for bench/oscar.py, run with the oscar venv's Python:

    python -m oscar_site.seed OUT.json < spec.json

``spec.json`` names the products to make, the words of their titles and the shoppers;
OUT.json gets what the benchmark asks for: product and category paths, the shoppers'
cookies. Catalogue rows are made with bulk_create (a second run reuses them), the search
index is built when the catalogue is new or the index is missing.
"""

import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_site.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from oscar.core.loading import get_class, get_model  # noqa: E402

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Basket = get_model("basket", "Basket")
WishList = get_model("wishlists", "WishList")
Notification = get_model("communication", "Notification")
Selector = get_class("partner.strategy", "Selector")

CATEGORIES = ["Fashion", "Electronics", "Home", "Food", "Crafts", "Beauty", "Sports", "Farming"]
PRICES = [50, 120, 250, 480, 900, 1500, 2400, 4800, 9500, 19500]
CSRF_COOKIE = "a" * 32


def seed_catalogue(spec: dict) -> bool:
    """Products in a few categories, each with a stock record (a price); 95 % public."""
    bench = Product.objects.filter(upc__startswith="bench-")
    if not spec["reseed"] and bench.count() >= spec["products"]:
        return False
    Product.objects.all().delete()
    Category.objects.all().delete()
    product_class, _ = ProductClass.objects.get_or_create(
        name="Bench goods", defaults={"requires_shipping": True, "track_stock": True}
    )
    partner, _ = Partner.objects.get_or_create(name="Bench partner")
    categories = [Category.objects.add_root(instance=Category(name=name)) for name in CATEGORIES]

    rng = random.Random(2025)
    nouns, adjectives = spec["nouns"], spec["adjectives"]
    products, prices = [], []
    for n in range(spec["products"]):
        noun, adjective = rng.choice(nouns), rng.choice(adjectives)
        prices.append(Decimal(rng.choice(PRICES)))
        products.append(
            Product(
                structure=Product.STANDALONE,
                is_public=n % 20 != 19,
                upc=f"bench-{n}",
                title=f"{adjective.title()} {noun} {n}",
                slug=f"{adjective}-{noun}-{n}",
                description=f"A {adjective} {rng.choice(nouns)} for everyday use, made to last. Item {n}.",
                product_class=product_class,
                rating=round(rng.uniform(2.5, 5), 2) if n % 3 else None,
            )
        )
    products = Product.objects.bulk_create(products, batch_size=2000)
    ProductCategory.objects.bulk_create(
        [ProductCategory(product=product, category=categories[n % len(categories)]) for n, product in enumerate(products)],
        batch_size=4000,
    )
    StockRecord.objects.bulk_create(
        [
            StockRecord(
                product=product, partner=partner, partner_sku=f"bench-{n}", price_currency=settings.OSCAR_DEFAULT_CURRENCY,
                price=price, num_in_stock=0 if n % 11 == 0 else rng.randint(1, 40),
            )
            for n, (product, price) in enumerate(zip(products, prices, strict=True))
        ],
        batch_size=4000,
    )
    return True


def search_index_missing() -> bool:
    engine = settings.HAYSTACK_CONNECTIONS["default"]
    return "PATH" in engine and not any(Path(engine["PATH"]).glob("*.toc"))


def shoppers_seed(count: int) -> list[str]:
    """Signed-in shoppers with a basket of two lines, a wish list of three products and an
    unread notification (as bench/request.py's Soko shoppers); their cookies from a sign-in."""
    user_model = get_user_model()
    user_model.objects.filter(username__startswith="bench-shopper-").delete()
    live = list(Product.objects.browsable().filter(upc__startswith="bench-").order_by("pk")[:400])
    strategy = Selector().strategy()
    rng = random.Random(11)
    cookies = []
    for n in range(count):
        shopper = user_model.objects.create_user(
            username=f"bench-shopper-{n}", email=f"bench-shopper-{n}@oscar.test", password=None, first_name=f"Shopper {n}"
        )
        basket = Basket.objects.create(owner=shopper)
        basket.strategy = strategy
        for product in rng.sample(live, 2):
            basket.add_product(product, quantity=1 + n)
        wishlist = WishList.objects.create(owner=shopper, name="Favourites")
        for product in rng.sample(live, 3):
            wishlist.add(product)
        Notification.objects.create(recipient=shopper, subject="Your order is on its way", body="Your order is on its way")
        client = Client()
        client.force_login(shopper)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
                       f"{settings.CSRF_COOKIE_NAME}={CSRF_COOKIE}")
    return cookies


def main():
    out = Path(sys.argv[1])
    spec = json.load(sys.stdin)
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    seeded = seed_catalogue(spec)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load, as on Soko's side
    indexed = seeded or search_index_missing()
    if indexed:
        call_command("rebuild_index", interactive=False, verbosity=0)
    seconds = time.monotonic() - started
    live = Product.objects.browsable().filter(upc__startswith="bench-").order_by("pk")
    category = Category.objects.get(name=CATEGORIES[0])
    out.write_text(
        json.dumps(
            {
                "seeded": seeded,
                "indexed": indexed,
                "seconds": seconds,
                "products": Product.objects.filter(upc__startswith="bench-").count(),
                "live": [product.get_absolute_url() for product in live.only("pk", "slug")],
                "category": category.get_absolute_url(),
                "category_products": ProductCategory.objects.filter(category=category).count(),
                "cookies": shoppers_seed(spec["shoppers"]),
            }
        )
    )


if __name__ == "__main__":
    main()
