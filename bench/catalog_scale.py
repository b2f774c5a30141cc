"""Catalog at scale: 100,000 (or 1,000,000) listings on PostgreSQL, a signed-in shopper, 4 clients.

    .venv/bin/python bench/catalog_scale.py                          # 100,000 listings (seeded once)
    .venv/bin/python bench/catalog_scale.py --products 1000000       # a database of its own per size
    .venv/bin/python bench/catalog_scale.py --only typo --seconds 10
    .venv/bin/python bench/catalog_scale.py --recreate-db            # drop, migrate and seed again
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_scale (the default; the
    size is appended, e.g. soko_bench_scale_100000)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (the default, as bench/catalog.py; flushed at the start)

What it does:
1. creates the database if missing, migrates it and seeds the listings in a few SQL
   statements (``generate_series``: products, one or two variants and a picture each, in
   200 stores and every sub-category; 95 % live), then VACUUM ANALYZE; 100,000 take well under a
   minute;
2. signs a shopper in (a session row, as a login leaves it) who has 300 favourites, so
   every card's heart is worked out for a real account;
3. counts each scenario's queries (Django's test client, signed in);
4. serves the production setup (gunicorn, site_config/gunicorn.py, one sync worker per
   core, DEBUG off, Redis cache) exactly as bench/catalog.py does, and loads each
   scenario with wrk (4 connections, the session cookie on every request, URLs rotated);
5. prints requests/s, p50/p95/max, queries and errors per scenario, and the load average.

Scenarios: a common word (each matches about a tenth of the catalog), a typo of one, a
category's page 1 and page 200 (newest first), and product pages.
"""

import argparse
import http.client
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as base  # noqa: E402 - bench/catalog.py: the server, wrk and the Python client

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench_scale"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
STORES = 200
FAVOURITES = 300
SHOPPER_EMAIL = "scale-shopper@example.com"

COMMON_WORDS = ["necklace", "basket", "coffee", "lamp", "wallet"]
TYPOS = ["neclace", "baskit", "coffe", "lantren", "bicycel"]

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000, help="listings to seed (default 100,000)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per core)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--seconds", type=float, default=20, help="wrk: seconds per scenario (default 20)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    parser.add_argument("--recreate-db", action="store_true", help="drop the database first and seed again")
    parser.add_argument("--seed-only", action="store_true", help="seed, print the catalog's size and stop")
    return parser.parse_args()


def database_url(products: int) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    parts = urlsplit(url)
    return parts._replace(path=f"{parts.path}_{products}").geturl()


# Seeding -----------------------------------------------------------------------------------

PRODUCTS_SQL = """
INSERT INTO catalog_product (
    created_at, updated_at, kind, title, slug, description, brand, condition, tags_text, status,
    rejection_reason, featured, published_at, min_price, in_stock, rating_avg, rating_count,
    orders_count, category_id, store_id, listing_type, returnable)
SELECT now(), now(), 'physical',
       initcap(adjective) || ' ' || noun || ' ' || g, 'scale-' || g,
       'A ' || adjective || ' ' || other_noun || ' for everyday use, made to last. Item ' || g || '.',
       brand, (ARRAY['new', 'new', 'used', 'handmade'])[1 + g %% 4],
       noun || ' ' || adjective || ' ' || third_noun, status, '', g %% 250 = 0,
       CASE WHEN status = 'active' THEN now() - g * interval '1 minute' END,
       price, g %% 11 <> 0,
       CASE WHEN g %% 3 = 0 THEN 0 ELSE round((2.5 + (g::bigint * 7919 %% 250) / 100.0)::numeric, 2) END,
       CASE WHEN g %% 3 = 0 THEN 0 ELSE 1 + g * 31 %% 200 END,
       (g::bigint * 104729 %% 900)::int, categories[1 + g %% cardinality(categories)], stores[1 + g %% cardinality(stores)],
       'fixed', true
FROM (
    SELECT g,
           nouns[1 + (g * 7 + g / 40) %% cardinality(nouns)] AS noun,
           nouns[1 + (g * 13 + 5) %% cardinality(nouns)] AS other_noun,
           nouns[1 + (g * 17 + 11) %% cardinality(nouns)] AS third_noun,
           adjectives[1 + (g * 3 + g / 20) %% cardinality(adjectives)] AS adjective,
           brands[1 + g * 5 %% cardinality(brands)] AS brand,
           (ARRAY[50, 120, 250, 480, 900, 1500, 2400, 4800, 9500, 19500])[1 + g * 37 %% 10]::numeric AS price,
           CASE WHEN g %% 20 = 0 THEN (ARRAY['draft', 'archived', 'pending'])[1 + g / 20 %% 3] ELSE 'active' END AS status,
           categories, stores
    FROM generate_series(1, %(products)s) AS g, (
        SELECT %(categories)s::bigint[] AS categories, %(stores)s::bigint[] AS stores,
               %(nouns)s::text[] AS nouns, %(adjectives)s::text[] AS adjectives, %(brands)s::text[] AS brands
    ) AS lists
) AS generated
"""

VARIANTS_SQL = """
INSERT INTO catalog_variant (name, sku, attributes, price, compare_at_price, stock, low_stock_threshold, position, product_id)
SELECT 'Option ' || (position + 1), '',
       jsonb_build_object('colour', (%(colours)s::text[])[1 + (id + position) %% 7], 'size', (%(sizes)s::text[])[1 + id * 3 %% 7]),
       min_price + position * 100, CASE WHEN id %% 7 = 0 AND position = 0 THEN min_price * 1.2 END,
       CASE WHEN in_stock THEN 1 + id %% 40 ELSE 0 END, 3, position, id
FROM catalog_product, generate_series(0, 1) AS position
WHERE slug LIKE 'scale-%%' AND (position = 0 OR id %% 2 = 1)
"""

IMAGES_SQL = """
INSERT INTO catalog_productimage (alt, position, image_id, product_id)
SELECT left(title, 140), 0, (%(images)s::bigint[])[1 + id %% cardinality(%(images)s::bigint[])], id
FROM catalog_product WHERE slug LIKE 'scale-%%'
"""


SEARCH_INDEXES = ("product_search_document_idx", "product_title_trgm_idx")


def seed(*, products: int) -> dict:
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction

    from sellers.models import Store
    from shop.catalog.models import Category, Product
    from shop.media.models import StoredImage

    call_command("migrate", verbosity=0, interactive=False)
    if Product.objects.filter(slug__startswith="scale-").exists():
        return {"seeded": False, "seconds": 0.0}
    started = time.monotonic()
    rng = random.Random(2025)
    with transaction.atomic():
        stores = Store.objects.bulk_create(
            Store(
                name=f"Scale store {n}", slug=f"scale-store-{n}", phone="+254 700 000 000",
                latitude=Decimal(f"{rng.uniform(-4.5, 1.0):.6f}") if n % 8 else None,
                longitude=Decimal(f"{rng.uniform(34.0, 40.0):.6f}") if n % 8 else None,
                delivers_national=n % 3 == 0, delivers_international=n % 5 == 0,
                rating_avg=Decimal(f"{rng.uniform(3, 5):.2f}"), orders_count=rng.randint(0, 5000),
            )
            for n in range(STORES)
        )
        images = StoredImage.objects.bulk_create(
            StoredImage(
                sha256=f"{n + 1:064x}", original_name=f"scale/{n}.jpg", format="JPEG", width=1200, height=900, bytes=1,
                status=StoredImage.Status.READY,
                renditions={str(w): {"webp": f"scale/{n}-{w}.webp", "jpeg": f"scale/{n}-{w}.jpg", "width": w, "height": w * 3 // 4} for w in (160, 480, 1200)},
            )
            for n in range(20)
        )
        categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            # A bulk load gathers the search indexes' entries and merges them once, as a
            # vacuum would; served, the indexes take each entry directly (catalog 0017).
            for index in SEARCH_INDEXES:
                cursor.execute(f"ALTER INDEX {index} SET (fastupdate = on)")
            cursor.execute(PRODUCTS_SQL, {
                "products": products, "categories": categories, "stores": [store.pk for store in stores],
                "nouns": base.NOUNS, "adjectives": base.ADJECTIVES, "brands": base.BRANDS,
            })
            cursor.execute(VARIANTS_SQL, {"colours": base.COLOURS, "sizes": base.SIZES})
            cursor.execute(IMAGES_SQL, {"images": [image.pk for image in images]})
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        cursor.execute("VACUUM ANALYZE")
    return {"seeded": True, "seconds": time.monotonic() - started}


def shopper_session() -> str:
    """A signed-in shopper with FAVOURITES favourite listings; its session cookie's value."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from shop.catalog.models import Favorite, Product

    user = get_user_model().objects.filter(email=SHOPPER_EMAIL).first()
    if user is None:
        user = get_user_model().objects.create_user(email=SHOPPER_EMAIL, password=None)
        liked = Product.objects.visible().filter(slug__startswith="scale-").order_by("-published_at", "-id")
        Favorite.objects.bulk_create(Favorite(user=user, product_id=pk) for pk in liked.values_list("pk", flat=True)[: FAVOURITES * 10 : 10])
    client = Client(HTTP_HOST=base.HOST)
    client.force_login(user)
    return client.cookies["sessionid"].value


def scale_urls() -> dict[str, list[str]]:
    from shop.catalog.models import Category, Product

    # The top-level categories with the most listings below them: page 200 exists.
    top = [category.slug for category in Category.objects.filter(parent__isnull=True).order_by("position", "name")]
    live = list(Product.objects.visible().filter(slug__startswith="scale-").order_by("id").values_list("slug", flat=True)[:50_000:250])
    return {
        "reference (/healthz/live)": ["/healthz/live"],
        "search, common word": [f"/search/?q={word}" for word in COMMON_WORDS],
        "search, typo": [f"/search/?q={word}" for word in TYPOS],
        "category page 1": [f"/c/{slug}/" for slug in top[:5]],
        "category page 200": [f"/c/{slug}/?page=200" for slug in top[:5]],
        "product page": [f"/p/{slug}/" for slug in live[:40]],
    }


def queries_per_page(urls: list[str], cookie: str) -> tuple[int, int]:
    """Queries and status of the scenario's first URL, signed in, on a second request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=base.HOST)
    client.cookies["sessionid"] = cookie
    client.get(urls[0])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(urls[0])
    return len(queries), response.status_code


def signed_in(port: int, cookie: str) -> bool:
    """Whether the server takes the cookie for the shopper's session (its page offers to sign out)."""
    connection = http.client.HTTPConnection(base.HOST, port, timeout=30)
    connection.request("GET", "/", headers={"Host": base.HOST, "Cookie": f"sessionid={cookie}"})
    body = connection.getresponse().read()
    connection.close()
    return b"/accounts/logout/" in body


def main():
    args = parse_args()
    url = database_url(args.products)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (Debian's wrk package).")
    base.ensure_database(url, recreate=args.recreate_db)
    os.environ["SECRET_KEY"] = base.BENCH_SECRET_KEY  # sessions signed as the server checks them
    base.django_setup(url)
    from django.db import connections

    from shop.catalog.models import Product

    seeded = seed(products=args.products)
    live = Product.objects.visible().filter(slug__startswith="scale-").count()
    print(
        f"catalog: {Product.objects.filter(slug__startswith='scale-').count()} scale products ({live} live)"
        + (f", seeded in {seeded['seconds']:.1f} s" if seeded["seeded"] else ", reused")
    )
    if args.seed_only:
        return
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    cookie = shopper_session()
    scenarios = {name: urls for name, urls in scale_urls().items() if args.only in name or name.startswith("reference")}
    queries = {name: queries_per_page(urls, cookie) for name, urls in scenarios.items()}
    connections.close_all()
    redis.Redis.from_url(redis_url).flushdb()  # a cold cache for the server (sessions are rows)
    workers = args.workers or os.cpu_count()

    with tempfile.TemporaryDirectory(prefix="soko-bench-scale-") as tmp:
        server, port, log_path = base.start_server(url, redis_url, Path(tmp), kind="gunicorn", workers=workers, page_cache=True)
        load_before = os.getloadavg()
        print(f"gunicorn ({workers} workers) on http://{base.HOST}:{port}/, DEBUG=0, signed in, {args.clients} clients (wrk), "
              f"{args.seconds:.0f} s per scenario, {os.cpu_count()} CPUs, load average {load_before[0]:.2f}")
        results = {}
        try:
            if not signed_in(port, cookie):
                sys.exit("The server does not see the shopper as signed in: the measurements would be of a visitor.")
            for name, urls in scenarios.items():
                base.warm_up(port, urls)
                results[name] = base.run_scenario_wrk(
                    port, urls, clients=args.clients, seconds=args.seconds, workdir=Path(tmp), headers={"Cookie": f"sessionid={cookie}"}
                )
        finally:
            load_after = os.getloadavg()
            base.stop_server(server)
            log_tail = log_path.read_text(errors="replace")[-2000:]

    print()
    print(f"| {'scenario (signed in)':<26} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | queries | errors |")
    print(f"|{'-' * 28}|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|")
    failed = False
    for name, result in results.items():
        count, status = queries[name]
        print(f"| {name:<26} | {result['requests']:>8} | {result['rps']:>7.1f} | {result['p50']:>7.1f} | {result['p95']:>7.1f} | "
              f"{result['max']:>7.1f} | {count:>7} | {len(result['errors']):>6} |")
        failed = failed or bool(result["errors"]) or status != 200
    print()
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if failed:
        base.fail_with_errors(results, log_tail)


if __name__ == "__main__":
    main()
