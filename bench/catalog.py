"""Catalog benchmark: 10,000 products on PostgreSQL, the production web setup, 4 clients.

    .venv/bin/python bench/catalog.py                       # seed (once), serve, measure, stop
    .venv/bin/python bench/catalog.py --server daphne       # one daphne process instead
    .venv/bin/python bench/catalog.py --only search --seconds 10
    .venv/bin/python bench/catalog.py --sales 2              # 2 sales a second beside the load
    .venv/bin/python bench/catalog.py --edits 1              # a seller's price change a second beside the load
    .venv/bin/python bench/catalog.py --pictures 1           # a photo sent in a chat a second beside the load
    .venv/bin/python bench/catalog.py --ratings 1            # a store's new rating a second beside the load
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (the default; flushed at the start)

What it does:
1. creates the database named in BENCH_DATABASE_URL if missing, migrates it, and seeds
   10,000 products (95 % live) in 40 stores with 1–2 variants and a picture each, using
   bulk_create (a second run reuses them; ``--reseed`` starts over);
2. counts each scenario's queries in this process (Django's test client);
3. starts the production web setup with DEBUG off on a free localhost port: gunicorn with
   site_config/gunicorn.py, one worker per core (or ``--server daphne``), the cache in
   Redis, no Huey worker;
4. per scenario, warms up, then loads it with wrk (4 connections, 20 s, URLs rotated by a
   Lua script), or without wrk with a few http.client threads;
5. prints requests/s, the ratio to the reference page (``/healthz/live``, which does no
   work, on the same setup: ratios compare across machines), p50/p95/max latency, queries
   and errors, then the workers' RSS, the database connections they hold and the load average.
With ``--sales``, a thread of this process sells one unit at a time through inventory's
services while the scenarios run (the statements a checkout and a completed order make).
With ``--edits``, another thread changes a live listing's price at a time through the
catalog's services, as sellers do; with ``--pictures``, one stores and prepares a photo
sent in a chat; with ``--ratings``, one writes a store's new rating.
"""

import argparse
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
PRODUCTS = 10_000
STORES = 40
HOST = "127.0.0.1"
# The server's key; a benchmark that signs shoppers in makes their sessions with it too.
BENCH_SECRET_KEY = "bench-" + "x" * 60

NOUNS = [
    "necklace", "basket", "kikoi", "sandals", "phone", "charger", "earbuds", "speaker", "laptop", "radio",
    "blanket", "dress", "shirt", "fabric", "mangoes", "coffee", "tea", "honey", "rice", "spices",
    "bread", "juice", "lamp", "table", "chair", "mat", "bowl", "carving", "painting", "bracelet",
    "handbag", "wallet", "watch", "soap", "lotion", "lipstick", "bicycle", "helmet", "tyre", "lantern",
]
ADJECTIVES = [
    "beaded", "handwoven", "leather", "cotton", "solar", "wireless", "wooden", "fresh", "organic", "vintage",
    "classic", "modern", "striped", "printed", "carved", "portable", "compact", "deluxe", "kenyan", "guinean",
]
BRANDS = ["", "", "Mama Njeri", "Samsung", "Tecno", "Oraimo", "Kisii Stone", "Java Print", "Dormans", "Madina Mode",
          "Karité Guinée", "JBL", "Nokia", "Infinix", "Raleigh"]
COLOURS = ["red", "blue", "green", "black", "white", "yellow", "brown"]
SIZES = ["S", "M", "L", "XL", "40", "41", "42"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["gunicorn", "daphne"], default="gunicorn",
                        help="gunicorn with one worker per core (production, the default) or one daphne process")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per core)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto", help="load generator (default: wrk if installed)")
    parser.add_argument("--seconds", type=float, default=20, help="wrk: seconds per scenario (default 20)")
    parser.add_argument("--requests", type=int, default=300, help="Python client: requests per scenario (default 300)")
    parser.add_argument("--max-seconds", type=float, default=60, help="Python client: stop a scenario after this long (default 60)")
    parser.add_argument("--page-cache", choices=["on", "off"], default="on",
                        help="off: every page is rendered, as for a signed-in shopper (SOKO_CATALOG_PAGE_CACHE_SECONDS=0)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text (or one of these, comma-separated)")
    parser.add_argument("--reseed", action="store_true", help="delete the benchmark's products and seed again")
    parser.add_argument("--recreate-db", action="store_true", help="drop the benchmark database first (after a migration was edited)")
    parser.add_argument("--sales", type=float, default=0,
                        help="sales a second made beside the load, as checkouts and completed orders write them (default 0)")
    parser.add_argument("--edits", type=float, default=0,
                        help="sellers' price changes a second beside the load, through the catalog's services (default 0)")
    parser.add_argument("--pictures", type=float, default=0,
                        help="photos sent in chats a second beside the load: stored, then prepared (default 0)")
    parser.add_argument("--ratings", type=float, default=0,
                        help="stores' new ratings a second beside the load, as a store review writes them (default 0)")
    return parser.parse_args()


# Seeding -----------------------------------------------------------------------------------


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def ensure_database(url: str, *, recreate: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if recreate:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Sessions made here for signed-in scenarios are signed as start_server's servers check them.
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    os.environ.setdefault("HUEY_EMBEDDED_WORKER", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(*, reseed: bool) -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from sellers.models import Store
    from shop.catalog.models import Category, Product, ProductImage, Variant
    from shop.catalog.services.stamp import catalog_changes_prune
    from shop.media.models import StoredImage

    call_command("migrate", verbosity=0, interactive=False)
    bench_products = Product.objects.filter(slug__startswith="bench-")
    if reseed:
        bench_products.delete()
    if bench_products.count() >= PRODUCTS:
        catalog_changes_prune()
        vacuum_analyze()
        return {"seeded": False, "seconds": 0.0}

    started = time.monotonic()
    bench_products.delete()
    rng = random.Random(2025)
    stores = []
    for n in range(STORES):
        located = n % 8 != 0  # one store in eight has no map pin
        lat, lng = (rng.uniform(-4.5, 1.0), rng.uniform(34.0, 40.0)) if n % 2 else (rng.uniform(7.5, 11.0), rng.uniform(-14.5, -9.0))
        stores.append(
            Store(
                name=f"Bench store {n}",
                slug=f"bench-store-{n}",
                phone="+254 700 000 000",
                latitude=Decimal(f"{lat:.6f}") if located else None,
                longitude=Decimal(f"{lng:.6f}") if located else None,
                delivers_national=n % 3 == 0,
                delivers_international=n % 5 == 0,
                rating_avg=Decimal(f"{rng.uniform(3, 5):.2f}"),
                orders_count=rng.randint(0, 5000),
            )
        )
    Store.objects.filter(slug__startswith="bench-store-").delete()
    stores = Store.objects.bulk_create(stores)

    images = []
    for n in range(20):
        sha = f"{n + 1:064x}"
        images.append(
            StoredImage(
                sha256=sha, original_name=f"bench/{sha}.jpg", format="JPEG", width=1200, height=900, bytes=1,
                status=StoredImage.Status.READY,
                renditions={str(w): {"webp": f"bench/{sha}-{w}.webp", "jpeg": f"bench/{sha}-{w}.jpg", "width": w, "height": w * 3 // 4} for w in (160, 480, 1200)},
            )
        )
    StoredImage.objects.filter(original_name__startswith="bench/").delete()
    images = StoredImage.objects.bulk_create(images)

    categories = list(Category.objects.filter(parent__isnull=False))
    now = timezone.now()
    statuses = [Product.Status.ACTIVE] * 19 + [rng.choice([Product.Status.DRAFT, Product.Status.ARCHIVED, Product.Status.PENDING])]
    products, prices = [], []
    for n in range(PRODUCTS):
        noun, adjective = rng.choice(NOUNS), rng.choice(ADJECTIVES)
        price = Decimal(rng.choice([50, 120, 250, 480, 900, 1500, 2400, 4800, 9500, 19500]))
        prices.append(price)
        status = statuses[n % len(statuses)]
        products.append(
            Product(
                store=stores[n % STORES],
                category=categories[n % len(categories)],
                title=f"{adjective.title()} {noun} {n}",
                slug=f"bench-{n}",
                description=f"A {adjective} {rng.choice(NOUNS)} for everyday use, made to last. Item {n}.",
                brand=rng.choice(BRANDS),
                tags_text=f"{noun} {adjective} {rng.choice(NOUNS)}",
                condition=rng.choice(["new", "new", "used", "handmade"]),
                status=status,
                published_at=now - timezone.timedelta(minutes=n * 7) if status == Product.Status.ACTIVE else None,
                featured=n % 250 == 0,
                min_price=price,
                in_stock=n % 11 != 0,
                rating_avg=Decimal(f"{rng.uniform(2.5, 5):.2f}") if n % 3 else Decimal("0"),
                rating_count=rng.randint(1, 200) if n % 3 else 0,
                orders_count=rng.randint(0, 900),
            )
        )
    products = Product.objects.bulk_create(products, batch_size=2000)

    variants, product_images = [], []
    for product, price in zip(products, prices, strict=False):
        for position in range(1 + product.pk % 2):
            variants.append(
                Variant(
                    product=product,
                    name=f"Option {position + 1}",
                    attributes={"colour": rng.choice(COLOURS), "size": rng.choice(SIZES)},
                    price=price + position * 100,
                    compare_at_price=price * Decimal("1.2") if product.pk % 7 == 0 and position == 0 else None,
                    stock=0 if not product.in_stock else rng.randint(1, 40),
                    position=position,
                )
            )
        product_images.append(ProductImage(product=product, image=images[product.pk % len(images)], alt=product.title))
    Variant.objects.bulk_create(variants, batch_size=4000)
    ProductImage.objects.bulk_create(product_images, batch_size=4000)
    catalog_changes_prune()  # as the worker does: the bulk load's change rows are not kept
    vacuum_analyze()
    return {"seeded": True, "seconds": time.monotonic() - started, "variants": len(variants)}


def vacuum_analyze() -> None:
    """What autovacuum does on a live database after a bulk load (a development server may
    run with it off): fresh planner statistics, and the visibility map that lets a listing's
    ids come from its index alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def bench_urls() -> dict[str, list[str]]:
    """A spread of real URLs per scenario, so no single row or plan is all that is measured."""
    from shop.catalog.models import Product

    live = list(Product.objects.visible().filter(slug__startswith="bench-").values_list("slug", flat=True)[:2000])
    rng = random.Random(7)
    return {
        "reference (/healthz/live)": ["/healthz/live"],
        "category page (/c/fashion/)": [f"/c/fashion/?page={page}" for page in range(1, 6)],
        "category, filtered + sorted": [
            "/c/electronics/?min_price=100&max_price=5000&in_stock=on&sort=price",
            "/c/home/?colour=red&sort=-price",
            "/c/crafts/?brand=Kisii+Stone&sort=rating",
            "/search/?delivery=national&sort=popular",
            "/search/?sort=distance&lat=-1.2864&lng=36.8172",
        ],
        "search (/search/?q=)": [f"/search/?q={word}" for word in ("necklace", "basket", "solar+radio", "coffee", "handwoven")],
        "search, misspelt": [f"/search/?q={word}" for word in ("neclace", "baskit", "speeker", "lantren", "bicycel")],
        # A search's cost must not grow with its words (shop.core.search caps them).
        "search, 1 word": [f"/search/?q={word}" for word in ("a", "e", "o", "n", "r")],
        "search, 50 words": [f"/search/?q={'+'.join(rng.choices('abcdefghijklmnoprstuvwy', k=50))}" for _ in range(5)],
        "stores, 1 word": [f"/stores/?q={word}" for word in ("a", "e", "o", "n", "r")],
        "stores, 50 words": [f"/stores/?q={'+'.join(rng.choices('abcdefghijklmnoprstuvwy', k=50))}" for _ in range(5)],
        "product page (/p/<slug>/)": [f"/p/{slug}/" for slug in rng.sample(live, 40)],
        "store page (/s/<slug>/)": [f"/s/bench-store-{n}/" for n in range(STORES)],
        # The long tail: a different product or page on (nearly) every request, so a page
        # cache rarely has it; what the shopper who asks for something new waits for.
        "product page, 2,000 (cold)": [f"/p/{slug}/" for slug in rng.sample(live, 2000)],
        "search, 1,920 (cold)": [
            f"/search/?q={word}&page={page}&sort={sort}"
            for sort in ("relevance", "price", "-price", "newest") for page in range(1, 9) for word in NOUNS + ADJECTIVES
        ],
        "home (/)": ["/"],
    }


# Sales beside the load ------------------------------------------------------------------------


class BesideTheLoad(threading.Thread):
    """A thread of this process that writes ``rate`` times a second (Poisson arrivals) while
    the scenarios run, counting what it ``made``; ``write(rng, row)`` is one write, for a row
    of ``rows()`` picked at random (True when it counts)."""

    seed = 0

    def __init__(self, rate: float):
        super().__init__(daemon=True)
        self.rate = rate
        self.made = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.db import connection

        rows = self.rows()
        rng = random.Random(self.seed)
        try:
            while not self.stopping.wait(rng.expovariate(self.rate)):
                if self.write(rng, rng.choice(rows)):
                    self.made += 1
        finally:
            connection.close()


class Sales(BesideTheLoad):
    """Sales: what a checkout writes (one unit off a live variant's stock, through
    inventory's own lock and reserve) and what its order's completion writes (the product's
    and the store's popularity counts, as ``order_popularity_count`` and its receiver do). A
    variant that runs low is refilled through ``stock_release``, as a cancelled order's
    units come back."""

    seed = 11

    def rows(self) -> list:
        from shop.catalog.models import Product, Variant

        return list(Variant.objects.filter(product__slug__startswith="bench-", product__status__in=Product.VISIBLE_STATUSES)
                    .values_list("pk", "product_id", "product__store_id"))

    def write(self, rng, row) -> bool:
        from django.db import transaction
        from django.db.models import F

        from sellers.models import Store
        from shop.catalog.models import Product
        from shop.inventory.services import stock_lock, stock_release, stock_reserve

        variant_id, product_id, store_id = row
        with transaction.atomic():
            locked = stock_lock(variant_ids=[variant_id])
            if locked[variant_id].stock < 2:
                stock_release(quantities={variant_id: 20})
                return False
            stock_reserve(locked=locked, quantities={variant_id: 1})
        Product.objects.filter(pk=product_id).update(orders_count=F("orders_count") + 1)
        Store.objects.filter(pk=store_id).update(orders_count=F("orders_count") + 1)
        return True


class Edits(BesideTheLoad):
    """Price changes: a live listing's first variant gets a new price and the listing its
    lowest price again, through the catalog's services (what a seller's edit or a sale
    starting writes to the listing's rows)."""

    seed = 13

    def rows(self) -> list:
        from shop.catalog.models import Product, Variant

        return list(Variant.objects.filter(product__slug__startswith="bench-", product__status__in=Product.VISIBLE_STATUSES, position=0)
                    .values_list("pk", "product_id", "price"))

    def write(self, rng, row) -> bool:
        from django.db import transaction

        from shop.catalog.services.products import products_price_refresh, variant_sale_price_set

        variant_id, product_id, price = row
        with transaction.atomic():
            # The price at the start or 10 more: runs after runs never take it below what it was.
            variant_sale_price_set(variant_id=variant_id, price=price + rng.choice([0, 10]), compare_at_price=None)
            products_price_refresh(product_ids=[product_id])
        return True


class Pictures(BesideTheLoad):
    """Photos sent in chats: a new picture stored, then prepared (what ``image_process``
    writes when its renditions are made). No kept page shows them."""

    seed = 17

    def rows(self) -> list:
        return [None]

    def write(self, rng, row) -> bool:
        import secrets

        from shop.media.models import StoredImage

        sha = secrets.token_hex(32)
        picture = StoredImage.objects.create(
            sha256=sha, original_name=f"images/originals/{sha}.jpg", format=StoredImage.Format.JPEG, width=1200, height=900, bytes=50_000
        )
        renditions = {str(width): {"webp": f"images/renditions/{sha}-{width}.webp", "jpeg": f"images/renditions/{sha}-{width}.jpg",
                                   "width": width, "height": width * 3 // 4} for width in (160, 480, 1200)}
        StoredImage.objects.filter(pk=picture.pk).update(status=StoredImage.Status.READY, renditions=renditions)
        return True


class Ratings(BesideTheLoad):
    """Stores' reviews: a store's rating and its count written again, as a store review's
    receiver writes them."""

    seed = 19

    def rows(self) -> list:
        from sellers.models import Store

        return list(Store.objects.filter(slug__startswith="bench-").values_list("pk", flat=True))

    def write(self, rng, row) -> bool:
        from decimal import Decimal

        from django.db.models import F

        from sellers.models import Store

        Store.objects.filter(pk=row).update(rating_avg=Decimal(rng.randint(30, 50)) / 10, rating_count=F("rating_count") + 1)
        return True


# The server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_command(kind: str, port: int, workers: int) -> list[str]:
    bin_dir = Path(sys.executable).parent
    if kind == "gunicorn":
        # The production setup (Procfile `web`): site_config/gunicorn.py, one worker per core.
        return [str(bin_dir / "gunicorn"), "-c", str(ROOT / "site_config" / "gunicorn.py"),
                "-b", f"{HOST}:{port}", "-w", str(workers)]
    return [str(bin_dir / "daphne"), "-b", HOST, "-p", str(port), "--verbosity", "0", "site_config.asgi:application"]


def start_server(url: str, redis_url: str, workdir: Path, *, kind: str, workers: int, page_cache: bool) -> tuple[subprocess.Popen, int, Path]:
    (workdir / "bench_settings.py").write_text(
        textwrap.dedent(
            f"""\
            from site_config.settings import *  # noqa: F403

            STATIC_ROOT = {str(workdir / 'static')!r}
            """
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "SOKO_SITE_URL": f"http://{HOST}",
        "SECURE_SSL_REDIRECT": "0",
        "HUEY_EMBEDDED_WORKER": "0",
        "LOG_LEVEL": "WARNING",
        "SOKO_CATALOG_PAGE_CACHE_SECONDS": os.environ.get("SOKO_CATALOG_PAGE_CACHE_SECONDS", "600") if page_cache else "0",
    }
    for name in ("SOKO_DB_CONN_MAX_AGE", "SOKO_ASGI_THREADS", "WEB_CONCURRENCY"):
        env.pop(name, None)  # the entry points choose, as in production
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    port = free_port()
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(server_command(kind, port, workers), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _ = fetch(http.client.HTTPConnection(HOST, port, timeout=5), "/healthz")
            if status == 200:
                return server, port, log_path
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"{kind} did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.kill(server.pid, 15)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, 9)
            server.wait(5)


def serving_processes(server: subprocess.Popen) -> list[int]:
    """The processes that answer requests: gunicorn's workers (children of its master), or daphne."""
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(server.pid):
            children.append(int(status.parent.name))
    return sorted(children) or [server.pid]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def database_sessions(url: str) -> int:
    """Connections to the benchmark's database that the server holds (for the connection check)."""
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [parts.path.lstrip("/")]
        ).fetchone()
    return row[0]


# Measuring ---------------------------------------------------------------------------------


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[int, int]:
    connection.request("GET", path, headers={"Host": HOST})
    response = connection.getresponse()
    body = response.read()
    return response.status, len(body)


def warm_up(port: int, urls: list[str]) -> None:
    """The first request of each URL in each worker pays for template and plan caches."""
    warm = http.client.HTTPConnection(HOST, port, timeout=30)
    for path in urls[:10] * 2:
        fetch(warm, path)
    warm.close()


WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
%(headers)s
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%f %%f %%f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency.max))
end
"""


def run_scenario_wrk(port: int, urls: list[str], *, clients: int, seconds: float, workdir: Path, headers: dict | None = None) -> dict:
    """wrk drives the load (C, little CPU of its own); a Lua script rotates the URLs and sends
    ``headers`` with each (a session cookie, for a signed-in shopper)."""
    script = workdir / "rotate.lua"
    sent = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in (headers or {}).items())
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(f'"{path}"' for path in urls), "headers": sent})
    completed = subprocess.run(
        ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{int(seconds)}s", "--timeout", "30s",
         "-s", str(script), f"http://{HOST}:{port}"],
        capture_output=True, text=True, check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    requests, duration_us, failures, non_2xx, p50, p95, worst = line.split()[1:]
    requests = int(requests)
    errors = [f"{failures} socket errors"] * (int(failures) > 0) + [f"{non_2xx} non-2xx answers"] * (int(non_2xx) > 0)
    return {
        "requests": requests,
        "rps": requests / (int(duration_us) / 1e6),
        "p50": float(p50) / 1000, "p95": float(p95) / 1000, "max": float(worst) / 1000,
        "errors": errors,
    }


def run_scenario_python(port: int, urls: list[str], *, total: int, clients: int, max_seconds: float) -> dict:
    """Without wrk: a few http.client threads (they share the machine's cores with the server)."""
    latencies, errors, lock = [], [], threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def client(offset: int):
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        for n in counter:
            if time.monotonic() > deadline:
                break
            path = urls[(n + offset) % len(urls)]
            started = time.perf_counter()
            try:
                status, _ = fetch(connection, path)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                with lock:
                    errors.append(f"{path}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall if wall else 0,
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000 if latencies else 0,
        "max": latencies[-1] * 1000 if latencies else 0,
        "errors": errors,
    }


def queries_per_page(urls: list[str]) -> int:
    """Queries the scenario's first URL runs when it is rendered (not served from the page
    cache, where every page costs one), counted in this process by Django's test client on a
    second request, so the other caches are as warm as in the server."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST=HOST)
    with override_settings(SOKO_CATALOG_PAGE_CACHE_SECONDS=0):
        client.get(urls[0])
        with CaptureQueriesContext(connection) as queries:
            client.get(urls[0])
    return len(queries)


def fail_with_errors(results: dict, log_tail: str) -> None:
    """A run with errors: each scenario's first five, the server log's tail, exit 1."""
    for name, result in results.items():
        for error in result["errors"][:5]:
            print(f"  {name}: {error}")
    print(log_tail)
    sys.exit(1)


def main():
    args = parse_args()
    url = database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    ensure_database(url, recreate=args.recreate_db)
    django_setup(url)
    from django.db import connections

    seeded = seed(reseed=args.reseed)
    from shop.catalog.models import Product

    live = Product.objects.visible().filter(slug__startswith="bench-").count()
    print(
        f"catalog: {Product.objects.filter(slug__startswith='bench-').count()} bench products ({live} live)"
        + (f", seeded in {seeded['seconds']:.1f} s" if seeded["seeded"] else ", reused")
    )
    scenarios = {
        name: urls for name, urls in bench_urls().items() if any(part in name for part in args.only.split(",")) or name.startswith("reference")
    }
    queries = {name: queries_per_page(urls) for name, urls in scenarios.items()}
    connections.close_all()
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the benchmark's own Redis database: a cold cache
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    workers = args.workers or os.cpu_count()

    with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
        server, port, log_path = start_server(url, redis_url, Path(tmp), kind=args.server, workers=workers, page_cache=args.page_cache == "on")
        load_before = os.getloadavg()
        print(
            f"{args.server} ({workers if args.server == 'gunicorn' else 1} process{'es' if args.server == 'gunicorn' and workers > 1 else ''}) on http://{HOST}:{port}/ "
            f"(DEBUG=0, Redis cache, page cache {args.page_cache}), {args.clients} clients ({'wrk' if use_wrk else 'Python threads'}), "
            f"{f'{args.seconds:.0f} s' if use_wrk else f'{args.requests} requests'} per scenario, {os.cpu_count()} CPUs, "
            f"load average {load_before[0]:.2f}"
        )
        results = {}
        beside = [
            kind(rate) for kind, rate in ((Sales, args.sales), (Edits, args.edits), (Pictures, args.pictures), (Ratings, args.ratings)) if rate > 0
        ]
        for thread in beside:
            thread.start()
        started = time.monotonic()
        try:
            for name, urls in scenarios.items():
                warm_up(port, urls)
                if use_wrk:
                    results[name] = run_scenario_wrk(port, urls, clients=args.clients, seconds=args.seconds, workdir=Path(tmp))
                else:
                    results[name] = run_scenario_python(port, urls, total=args.requests, clients=args.clients, max_seconds=args.max_seconds)
            processes = serving_processes(server)  # after the run: workers may have been replaced
            rss = [rss_mib(pid) for pid in processes]
            sessions = database_sessions(url)
        finally:
            for thread in beside:
                thread.stopping.set()
                thread.join()
                print(f"{type(thread).__name__.lower()} made beside the load: {thread.made} in {time.monotonic() - started:.0f} s")
            load_after = os.getloadavg()
            stop_server(server)
            log_tail = log_path.read_text(errors="replace")[-2000:]

    reference = results[next(iter(results))]["rps"]
    print()
    print(f"| {'scenario':<30} | {'requests':>8} | {'req/s':>7} | {'× ref':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | queries | errors |")
    print(f"|{'-' * 32}|{'-' * 9}:|{'-' * 8}:|{'-' * 7}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|")
    failed = False
    for name, result in results.items():
        print(
            f"| {name:<30} | {result['requests']:>8} | {result['rps']:>7.1f} | {result['rps'] / reference:>6.3f} | {result['p50']:>7.1f} | "
            f"{result['p95']:>7.1f} | {result['max']:>7.1f} | {queries[name]:>7} | {len(result['errors']):>6} |"
        )
        failed = failed or bool(result["errors"])
    print()
    print(f"worker RSS after the run: {', '.join(f'{value:.0f} MiB' for value in rss)}; "
          f"database connections held: {sessions}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if failed:
        fail_with_errors(results, log_tail)


if __name__ == "__main__":
    main()
