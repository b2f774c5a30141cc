"""What one request costs: the bare request, and the catalog pages a signed-in shopper reads.

    .venv/bin/python bench/request.py                       # 10 s per scenario, 4 clients
    .venv/bin/python bench/request.py --seconds 20 --only "signed in"
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench (the default, bench/catalog.py's)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (the default; flushed at the start)

It uses bench/catalog.py's database (10,000 products, seeded once) and adds four shoppers,
each with a session made the way a sign-in leaves one, a CSRF cookie, a cart of two lines,
three favourite products and an unread notification. It then starts the production web
setup (gunicorn with site_config/gunicorn.py, one sync worker per core, ``DEBUG=0``, the
cache in Redis, the page cache on) and loads each scenario with wrk (4 connections; a Lua
script rotates the URLs and, signed in, the four shoppers' cookies). It prints requests/s,
p50/p95/max, the queries a page costs in this process (the test client, second request),
and the load average before and after.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import (  # noqa: E402
    DEFAULT_REDIS_URL,
    HOST,
    database_url,
    django_setup,
    ensure_database,
    fail_with_errors,
    seed,
    start_server,
    stop_server,
)

SHOPPERS = 4
CSRF_COOKIE = "a" * 32

WRK_SCRIPT = """
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(counter %% #cookies) + 1] end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%f %%f %%f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency.max))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per core)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    return parser.parse_args()


def shoppers_seed() -> list[str]:
    """Four signed-in shoppers with a cart, favourites and a notification: their cookies."""
    from bids import session_cookie
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from shop.cart.models import Cart, CartItem
    from shop.catalog.models import Favorite, Product, Variant
    from shop.notifications.models import Notification

    user_model = get_user_model()
    user_model.objects.filter(email__startswith="bench-shopper-").delete()
    live = list(Product.objects.visible().filter(slug__startswith="bench-").order_by("pk").values_list("pk", flat=True)[:400])
    rng = random.Random(11)
    cookies = []
    for n in range(SHOPPERS):
        shopper = user_model.objects.create(
            email=f"bench-shopper-{n}@soko.test", display_name=f"Shopper {n}", password=make_password(None)
        )
        cart = Cart.objects.create(user=shopper)
        for variant in Variant.objects.filter(product_id__in=rng.sample(live, 2)).order_by("pk")[:2]:
            CartItem.objects.create(cart=cart, variant=variant, quantity=1 + n, unit_price_seen=variant.price)
        Favorite.objects.bulk_create([Favorite(user=shopper, product_id=pk) for pk in rng.sample(live, 3)])
        Notification.objects.create(user=shopper, kind="order", text="Your order is on its way", url="/")
        cookies.append(f"{session_cookie(shopper)}; csrftoken={CSRF_COOKIE}")
    return cookies


def scenarios() -> dict[str, tuple[list[str], bool]]:
    """name -> (URLs rotated, signed in)."""
    from shop.catalog.models import Product

    slugs = list(Product.objects.visible().filter(slug__startswith="bench-").order_by("pk").values_list("slug", flat=True)[:40])
    products = [f"/p/{slug}/" for slug in slugs]
    categories = [f"/c/fashion/?page={page}" for page in range(1, 6)]
    searches = [f"/search/?q={word}" for word in ("necklace", "basket", "solar+radio", "coffee", "handwoven")]
    return {
        "bare request (/healthz/live)": (["/healthz/live"], False),
        "bare view (/robots.txt)": (["/robots.txt"], False),
        "product, anonymous": (products, False),
        "product, signed in": (products, True),
        "category, anonymous": (categories, False),
        "category, signed in": (categories, True),
        "search, anonymous": (searches, False),
        "search, signed in": (searches, True),
    }


def run_wrk(port: int, script: Path, *, clients: int, seconds: float) -> dict:
    completed = subprocess.run(
        ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{int(seconds)}s", "--timeout", "30s",
         "-s", str(script), f"http://{HOST}:{port}"],
        capture_output=True, text=True, check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    requests, duration_us, failures, non_2xx, p50, p95, worst = line.split()[1:]
    errors = [f"{failures} socket errors"] * (int(failures) > 0) + [f"{non_2xx} non-2xx answers"] * (int(non_2xx) > 0)
    return {
        "requests": int(requests),
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": float(p50) / 1000, "p95": float(p95) / 1000, "max": float(worst) / 1000,
        "errors": errors,
    }


def queries_per_page(path: str, cookie: str) -> int:
    """Queries the page costs in this process (test client, second request, caches warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    headers = {"HTTP_COOKIE": cookie} if cookie else {}
    client.get(path, **headers)
    client.get(path, **headers)
    with CaptureQueriesContext(connection) as queries:
        client.get(path, **headers)
    return len(queries)


def shopper_name(n: int) -> str:
    """What a page shows the nth shopper of ``shoppers_seed`` when the server sees the session."""
    return f"Shopper {n}"


def warm_up(port: int, urls: list[str], cookies: list[str], *, signed_in_mark=shopper_name) -> None:
    """Asks each URL a few times (with the shoppers' cookies in turn: each signed-in page
    must show ``signed_in_mark(n)`` for the nth cookie, or the run stops)."""
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    for n, path in enumerate(urls[:10] * 3):
        connection.request("GET", path, headers={"Host": HOST, **({"Cookie": cookies[n % len(cookies)]} if cookies else {})})
        page = connection.getresponse().read().decode(errors="replace")
        if cookies and signed_in_mark(n % len(cookies)) not in page:
            sys.exit(f"{path} is not signed in: the server does not see the session")
    connection.close()


def main():
    args = parse_args()
    url = database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    if not shutil.which("wrk"):
        sys.exit("This benchmark needs wrk (Debian's package wrk).")
    ensure_database(url)
    django_setup(url)
    seed(reseed=False)
    cookies = shoppers_seed()
    chosen = {name: value for name, value in scenarios().items() if args.only in name}
    queries = {name: queries_per_page(urls[0], cookies[0] if signed_in else "") for name, (urls, signed_in) in chosen.items()}
    from django.db import connections

    connections.close_all()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    workers = args.workers or os.cpu_count()
    results = {}
    with tempfile.TemporaryDirectory(prefix="soko-bench-request-") as tmp:
        workdir = Path(tmp)
        server, port, log_path = start_server(url, redis_url, workdir, kind="gunicorn", workers=workers, page_cache=True)
        load_before = os.getloadavg()
        print(
            f"gunicorn ({workers} workers), DEBUG=0, Redis cache, page cache on; {args.clients} clients (wrk), "
            f"{args.seconds:.0f} s per scenario; {os.cpu_count()} CPUs; load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}"
        )
        try:
            for name, (urls, signed_in) in chosen.items():
                shopper_cookies = cookies if signed_in else []
                warm_up(port, urls, shopper_cookies)
                script = workdir / "rotate.lua"
                script.write_text(
                    WRK_SCRIPT
                    % {
                        "paths": ", ".join(f'"{path}"' for path in urls),
                        "cookies": ", ".join(f'"{cookie}"' for cookie in shopper_cookies),
                    }
                )
                results[name] = run_wrk(port, script, clients=args.clients, seconds=args.seconds)
                time.sleep(1)
        finally:
            load_after = os.getloadavg()
            stop_server(server)
            log_tail = log_path.read_text(errors="replace")[-2000:]

    print()
    print(f"| {'scenario':<30} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | queries | errors |")
    print(f"|{'-' * 32}|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|")
    failed = False
    for name, result in results.items():
        print(
            f"| {name:<30} | {result['requests']:>8} | {result['rps']:>7.1f} | {result['p50']:>7.1f} | "
            f"{result['p95']:>7.1f} | {result['max']:>7.1f} | {queries[name]:>7} | {len(result['errors']):>6} |"
        )
        failed = failed or bool(result["errors"])
    print()
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if failed:
        fail_with_errors(results, log_tail)


if __name__ == "__main__":
    main()
