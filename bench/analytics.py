"""Seller analytics benchmark: the analytics page of a store with 10,000 orders on PostgreSQL.

    .venv/bin/python bench/analytics.py                     # seed (once), measure 100 loads per view
    .venv/bin/python bench/analytics.py --requests 300 --reseed
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_analytics (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (the default; the cache)

What it does:
1. creates the database if missing, migrates it and seeds, with bulk_create, one store
   (Africa/Nairobi) with 60 products, 10,000 orders over the last 180 days from 2,000
   shoppers (mostly KES, one in ten in GNF; one in ten cancelled or refunded) with 1–3
   lines each, 600 conversations, accepted returns on 2 % of the orders and view and
   cart-add figures per product and day; a second run reuses them; then VACUUM ANALYZE
   (what autovacuum does after a bulk load);
2. loads /dashboard/analytics/ as the store's owner with Django's test client in this
   process (DEBUG off, the cache in Redis), for each period and grouping a seller can
   pick (7/30/90 days by day, week and month), warm-up excluded;
3. prints p50/p95/max milliseconds per view and the queries one load runs.
The server's own time is measured (no HTTP, no network): what the page costs the worker.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import ensure_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench_analytics"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
ORDERS = 10_000
PRODUCTS = 60
SHOPPERS = 2_000
SLUG = "bench-analytics"
VIEWS = [(7, "day"), (30, "day"), (30, "week"), (90, "day"), (90, "week"), (90, "month")]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="loads per view (default 100)")
    parser.add_argument("--reseed", action="store_true", help="delete the benchmark's store and seed again")
    return parser.parse_args()


def django_setup(url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    os.environ.setdefault("HUEY_EMBEDDED_WORKER", "0")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-analytics-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(*, reseed: bool):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from returns.models import ReturnLine, ReturnRequest, ReturnStatus
    from sellers.models import Store, StoreMember
    from shop.catalog.models import Category, Product, ProductDayStats, Variant
    from shop.chat.models import Conversation
    from shop.orders.models import Checkout, Order, OrderItem, OrderStatus

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    store = Store.objects.filter(slug=SLUG).first()
    if store and reseed:
        ReturnLine.objects.filter(request__store=store).delete()
        ReturnRequest.objects.filter(store=store).delete()
        Conversation.objects.filter(store=store).delete()
        OrderItem.objects.filter(order__store=store).delete()
        Order.objects.filter(store=store).delete()
        Checkout.objects.filter(buyer__email__startswith="bench-analytics-").delete()
        Product.objects.filter(store=store).delete()
        store.delete()
        User.objects.filter(email__startswith="bench-analytics-").delete()
        store = None
    if store and Order.objects.filter(store=store).count() >= ORDERS:
        return store
    started = time.monotonic()
    rng = random.Random(2026)
    owner = User.objects.create_user(email="bench-analytics-owner@example.test", password="x")
    store = Store.objects.create(name="Bench Analytics", slug=SLUG, phone="+254700000000", time_zone="Africa/Nairobi", currency="KES")
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    category = Category.objects.first() or Category.objects.create(name="Bench", slug="bench-analytics")
    products = Product.objects.bulk_create(
        [Product(store=store, category=category, title=f"Product {n}", slug=f"{SLUG}-{n}", status=Product.Status.ACTIVE,
                 rating_avg=Decimal(rng.randint(30, 50)) / 10, rating_count=rng.randint(0, 40)) for n in range(PRODUCTS)]
    )
    variants = Variant.objects.bulk_create(
        [Variant(product=p, name="Standard", price=Decimal(rng.choice([250, 480, 1200])), stock=rng.randint(0, 80)) for p in products]
    )
    shoppers = User.objects.bulk_create(
        [User(email=f"bench-analytics-{n}@example.test", password="!") for n in range(SHOPPERS)]
    )
    checkout_fields = {"payment_method": "cod", "recipient": "A", "phone": "+254700000001", "area_label": "Nairobi", "street": "Street"}
    checkouts = Checkout.objects.bulk_create([Checkout(buyer=s, currency="KES", total=0, **checkout_fields) for s in shoppers])
    now = timezone.now()
    statuses = [OrderStatus.DELIVERED] * 6 + [OrderStatus.COMPLETED] * 2 + [OrderStatus.PENDING, OrderStatus.CANCELLED, OrderStatus.REFUNDED][: 3]
    orders, line_specs = [], []
    for n in range(ORDERS):
        index = rng.randrange(SHOPPERS)
        currency = "GNF" if n % 10 == 0 else "KES"
        lines = [(rng.choice(variants), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
        prices = [Decimal(rng.choice([45000, 120000])) if currency == "GNF" else v.price for v, _q in lines]
        total = sum((p * q for p, (_v, q) in zip(prices, lines, strict=True)), Decimal("0"))
        orders.append(Order(checkout=checkouts[index], store=store, buyer=shoppers[index], number=f"BA-{n:08d}",
                            status=rng.choice(statuses), items_total=total, total=total, currency=currency))
        line_specs.append((lines, prices, now - timedelta(seconds=rng.randrange(180 * 86400))))
    orders = Order.objects.bulk_create(orders, batch_size=2000)
    for order, (_l, _p, at) in zip(orders, line_specs, strict=True):
        order.created_at = at
    Order.objects.bulk_update(orders, ["created_at"], batch_size=2000)
    items = OrderItem.objects.bulk_create(
        [OrderItem(order=order, variant=v, product_title=v.product.title, variant_name=v.name, unit_price=p, quantity=q, line_total=p * q)
         for order, (lines, prices, _at) in zip(orders, line_specs, strict=True) for (v, q), p in zip(lines, prices, strict=True)],
        batch_size=5000,
    )
    returned = [item for item in items if rng.random() < 0.02]
    requests = ReturnRequest.objects.bulk_create(
        [ReturnRequest(order_id=i.order_id, buyer_id=i.order.buyer_id, store=store, status=ReturnStatus.RECEIVED, reason="damaged") for i in returned]
    )
    ReturnLine.objects.bulk_create([ReturnLine(request=r, item=i, quantity=1) for r, i in zip(requests, returned, strict=True)])
    conversations = Conversation.objects.bulk_create([Conversation(buyer=s, store=store) for s in rng.sample(shoppers, 600)])
    for conversation in conversations:
        conversation.created_at = now - timedelta(seconds=rng.randrange(90 * 86400))
    Conversation.objects.bulk_update(conversations, ["created_at"])
    today = now.date()
    ProductDayStats.objects.bulk_create(
        [ProductDayStats(product=p, day=today - timedelta(days=d), views=rng.randint(0, 200), cart_adds=rng.randint(0, 20))
         for p in products for d in range(180)],
        batch_size=5000,
    )
    print(f"seeded {ORDERS} orders, {len(items)} lines in {time.monotonic() - started:.0f} s")
    return store


def vacuum_analyze(url: str) -> None:
    """What autovacuum does on a live database after a bulk load: fresh planner statistics."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def measure(store, requests: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    # Pages name static files through the manifest collectstatic writes; none here.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    override_settings(STORAGES=storages).enable()
    client = Client()
    client.force_login(store.memberships.get().user)
    print(f"{'view':<16}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>9}")
    for days, group in VIEWS:
        query = {"days": days, "group": group}
        for _ in range(5):
            response = client.get("/dashboard/analytics/", query)
            assert response.status_code == 200, response.status_code
        captured: list[str] = []

        def counted(execute, sql, params, many, context, captured=captured):
            captured.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            client.get("/dashboard/analytics/", query)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/dashboard/analytics/", query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{days:>3} d by {group:<7}{statistics.median(times):>8.1f}{p95:>8.1f}{times[-1]:>8.1f}{len(captured):>9}")


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(url)
    django_setup(url, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    store = seed(reseed=args.reseed)
    vacuum_analyze(url)
    measure(store, args.requests)


if __name__ == "__main__":
    main()
