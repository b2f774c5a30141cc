"""JSON API benchmark: the catalogue list, a product, adding to the cart, placing a
checkout and bidding, through /api/v1/ under 4 clients, beside the HTML pages a signed-in
shopper reads for the same things, on the production web setup.

    .venv/bin/python bench/api.py                       # seed (once), serve, measure, stop
    .venv/bin/python bench/api.py --requests 600        # more requests per scenario
    .venv/bin/python bench/api.py --only bid
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench (the default, shared with bench/catalog.py)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (the default; flushed at the start)

What it does:
1. the catalogue of bench/catalog.py (10,000 products, seeded once), plus a store of its
   own with 50 listings in deep stock and a live auction, and one shopper per client with a
   verified e-mail address;
2. starts the production web setup (gunicorn, one worker per core, DEBUG off, Redis cache,
   no Huey worker) with the API's request limits lifted (they would be what is measured)
   and access tokens that outlast the run;
3. each shopper signs in through the API (POST /api/v1/auth/login) and gets a session
   cookie for the pages;
4. per scenario, 4 Python client threads, one shopper each, send --requests requests over
   keep-alive connections; writes carry an Idempotency-Key. Placing a checkout is timed
   alone: its cart line and quote are sent, untimed, before each place. A bid is the
   auction's least next bid, so most bids win; one that lost a race is a 409 "too low",
   counted as answered (refused by the rule), not as an error;
5. prints requests/s, p50/p95/max and errors per scenario.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import HOST, django_setup, ensure_database, start_server, stop_server  # noqa: E402
from catalog import seed as catalog_seed  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "bench api passphrase 2026"
WORDS = ["basket", "necklace", "phone", "kikoi", "coffee", "lamp", "sandals", "radio"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients, one shopper each (default 4)")
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario (default 400)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per core)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    return parser.parse_args()


def seed(clients: int) -> dict:
    """The API's own store, listings, auction and shoppers (made again on every run)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from sellers.models import Store, StoreMember
    from shop.auctions.services import Terms, auction_create
    from shop.catalog.models import Category, Product, Variant

    user_model = get_user_model()
    user_model.objects.filter(email__startswith="bench-api-").delete()
    Product.objects.filter(slug__startswith="bench-api-").delete()
    Store.objects.filter(slug="bench-api-store").delete()
    owner = user_model.objects.create(email="bench-api-owner@soko.test", display_name="Owner", password=make_password(None))
    store = Store.objects.create(name="Bench API store", slug="bench-api-store", phone="+254 700 000 000", currency="KES")
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    category = Category.objects.filter(parent__isnull=False).first()
    now = timezone.now()
    variants = []
    for n in range(50):
        product = Product.objects.create(
            store=store, category=category, title=f"Bench API basket {n}", slug=f"bench-api-{n}", status=Product.Status.ACTIVE,
            published_at=now, min_price=Decimal("250.00"), in_stock=True,
        )
        variants.append(Variant.objects.create(product=product, name="One", price=Decimal("250.00"), stock=1_000_000).pk)
    lot = Product.objects.create(
        store=store, category=category, listing_type=Product.Listing.AUCTION, title="Bench API carving", slug="bench-api-carving",
        status=Product.Status.ACTIVE, published_at=now, min_price=Decimal("100.00"), in_stock=True,
    )
    Variant.objects.create(product=lot, name="One", price=Decimal("100.00"), stock=1)
    auction = auction_create(
        product=lot, terms=Terms(start_price=Decimal("100.00"), starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1))
    )
    password = make_password(PASSWORD)
    shoppers = []
    for n in range(clients):
        shopper = user_model.objects.create(email=f"bench-api-{n}@soko.test", display_name=f"Shopper {n}", password=password)
        EmailAddress.objects.create(user=shopper, email=shopper.email, verified=True, primary=True)
        shoppers.append(shopper.email)
    return {"variants": variants, "auction": auction.pk, "shoppers": shoppers, "store": store.pk}


class Shopper:
    """One client: a keep-alive connection, the shopper's access token and session cookie."""

    def __init__(self, port: int, email: str):
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        answer = self.send("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}, auth=False)
        self.token = answer[1]["meta"]["access_token"]
        self.cookie = ""

    def send(self, method: str, path: str, body=None, *, auth: bool = True, key: bool = False, page: bool = False):
        headers = {"Accept": "text/html" if page else "application/json"}
        if auth and not page:
            headers["Authorization"] = f"Bearer {self.token}"
        if page and self.cookie:
            headers["Cookie"] = self.cookie
        if key:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith(("application/json", "application/problem")) else None
        return response.status, data

    def sign_in_pages(self, email: str) -> None:
        """A session for the pages, made the way a browser's sign-in leaves one."""
        from bids import session_cookie
        from django.contrib.auth import get_user_model

        self.cookie = session_cookie(get_user_model().objects.get(email=email))


def scenarios(seeded: dict) -> dict:
    """name -> (setup(shopper, n) or None, request(shopper, n) -> status, statuses counted as answered)."""
    variants, auction = seeded["variants"], seeded["auction"]
    store = seeded["store"]

    def place_setup(shopper, n):
        shopper.send("POST", "/api/v1/cart/lines/", {"variant": variants[n % len(variants)], "quantity": 1})
        asked = {"currency": "KES", "delivery": [{"store": store, "mode": "pickup"}], "payment_method": "cod", "address": shopper.address}
        status, quote = shopper.send("POST", "/api/v1/checkout/quote/", asked)
        shopper.asked = {**asked, "review_token": quote["review_token"]} if status == 200 else None

    def place(shopper, n):
        return shopper.send("POST", "/api/v1/checkout/", shopper.asked, key=True)[0]

    def bid_setup(shopper, n):
        shopper.bid = shopper.send("GET", f"/api/v1/auctions/{auction}/")[1]["min_next_bid"]

    return {
        "reference (/healthz/live)": (None, lambda s, n: s.send("GET", "/healthz/live", auth=False)[0], {200}),
        "API products, search": (None, lambda s, n: s.send("GET", f"/api/v1/products/?q={WORDS[n % len(WORDS)]}")[0], {200}),
        "page /search/, signed in": (None, lambda s, n: s.send("GET", f"/search/?q={WORDS[n % len(WORDS)]}", page=True)[0], {200}),
        "API product": (None, lambda s, n: s.send("GET", f"/api/v1/products/bench-{n * 7 % 9000}/")[0], {200, 404}),
        "page /p/, signed in": (None, lambda s, n: s.send("GET", f"/p/bench-{n * 7 % 9000}/", page=True)[0], {200, 404}),
        "API cart add": (
            None,
            lambda s, n: s.send("POST", "/api/v1/cart/lines/", {"variant": variants[n % len(variants)], "quantity": 1})[0],
            {201},
        ),
        "API checkout place": (place_setup, place, {201}),
        "API bid": (bid_setup, lambda s, n: s.send("POST", f"/api/v1/auctions/{auction}/bids/", {"amount": s.bid}, key=True)[0], {200, 201, 409}),
    }


def run(shoppers: list[Shopper], setup, request, answered: set[int], total: int) -> dict:
    latencies, errors, lock = [], [], threading.Lock()
    counter = iter(range(total))

    def client(shopper: Shopper):
        for n in counter:
            if setup:
                setup(shopper, n)
            started = time.perf_counter()
            try:
                status = request(shopper, n)
            except (OSError, http.client.HTTPException, KeyError, TypeError) as exc:
                shopper.connection.close()
                shopper.connection = http.client.HTTPConnection(HOST, shopper.port, timeout=60)
                with lock:
                    errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status not in answered:
                    errors.append(f"HTTP {status}")

    threads = [threading.Thread(target=client, args=(shopper,)) for shopper in shoppers]
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


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    ensure_database(url)
    django_setup(url)
    catalog_seed(reseed=False)
    seeded = seed(args.clients)
    from django.db import connections

    connections.close_all()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    # The limits would be what is measured; tokens must outlast the run.
    os.environ.update(
        SOKO_API_RATE_PER_USER="10000000/min", SOKO_API_RATE_PER_ADDRESS="10000000/min", SOKO_API_ACCESS_TOKEN_SECONDS="86400"
    )
    workers = args.workers or os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="soko-bench-api-") as tmp:
        server, port, log_path = start_server(url, redis_url, Path(tmp), kind="gunicorn", workers=workers, page_cache=True)
        try:
            shoppers = [Shopper(port, email) for email in seeded["shoppers"]]
            for shopper, email in zip(shoppers, seeded["shoppers"], strict=True):
                shopper.sign_in_pages(email)
                status, address = shopper.send(
                    "POST",
                    "/api/v1/addresses/",
                    {"label": "Home", "recipient": "Bench", "phone": "+254 712 345 678", "street": "Moi Avenue 1", "area": leaf_area()},
                )
                shopper.address = address["id"] if status == 201 else None
            print(
                f"gunicorn ({workers} workers) on http://{HOST}:{port}/ (DEBUG=0, Redis cache), {args.clients} clients, "
                f"{args.requests} requests per scenario, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
            )
            results = {}
            for name, (setup, request, answered) in scenarios(seeded).items():
                if args.only in name or name.startswith("reference"):
                    results[name] = run(shoppers, setup, request, answered, args.requests)
        finally:
            stop_server(server)
            log_tail = log_path.read_text(errors="replace")[-2000:]

    reference = results[next(iter(results))]["rps"]
    print()
    print(f"| {'scenario':<28} | {'requests':>8} | {'req/s':>7} | {'× ref':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | errors |")
    print(f"|{'-' * 30}|{'-' * 9}:|{'-' * 8}:|{'-' * 7}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|")
    for name, result in results.items():
        print(
            f"| {name:<28} | {result['requests']:>8} | {result['rps']:>7.1f} | {result['rps'] / reference:>6.3f} | "
            f"{result['p50']:>7.1f} | {result['p95']:>7.1f} | {result['max']:>7.1f} | {len(result['errors']):>6} |"
        )
    failed = {name: result["errors"][:5] for name, result in results.items() if result["errors"]}
    if failed:
        for name, errors in failed.items():
            print(f"  {name}: {errors}")
        print(log_tail)
        sys.exit(1)


def leaf_area() -> int:
    """A place with no places in it, for the shoppers' addresses (one made when the
    database has none)."""
    from shop.geo.models import Area, AreaKind

    leaf = Area.objects.filter(kind=AreaKind.NEIGHBOURHOOD).first() or Area.objects.exclude(children__isnull=False).first()
    if leaf is None:
        leaf = Area.objects.create(name="Bench town", slug="bench-town", kind=AreaKind.COUNTRY)
    return leaf.pk


if __name__ == "__main__":
    main()
