"""Soko against django-oscar 4.2.1: the same catalogue size, the same machine, the same load.

    .venv/bin/python bench/oscar.py                           # 20 s a run, 3 rounds, 4 connections
    .venv/bin/python bench/oscar.py --seconds 2 --rounds 1    # a smoke run
    .venv/bin/python bench/oscar.py --only search
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench (Soko's, bench/catalog.py's)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (Soko's; flushed at the start)
    OSCAR_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_oscar
    OSCAR_BENCH_REDIS_URL=redis://127.0.0.1:6379/14 (oscar's; flushed at the start)
    SOKO_BENCH_CACHE=~/.cache/soko-bench (oscar's venv, project, search index)

Soko's side is bench/catalog.py's database (10,000 products, seeded once) with
bench/request.py's four signed-in shoppers, served by the production web setup (gunicorn,
site_config/gunicorn.py, DEBUG=0, the cache and the page cache in Redis).

oscar's side is a shop made with oscar's documented settings (bench/oscar_site, copied into
the cache folder): its own venv there with pinned versions, its own PostgreSQL database and
Redis database, 10,000 products in eight categories with a price and stock each, titled as
Soko's, a Whoosh search index (haystack's file index: no search server), four signed-in
shoppers with a basket, a wish list and a notification, served by gunicorn with as many sync
workers as Soko, DEBUG=0.

Each scenario is loaded by wrk (4 connections) on one side, then the other, in rounds whose
order alternates (Soko, oscar, oscar, Soko, Soko, oscar...), with the load average before
and after each run. The cold scenarios ask each of their URLs once in a run (timed from its
first request to its last answer) and each round has URLs of its own, so no page cache has
them. It prints each run, then the median of the rounds per side and the ratio of Soko's
requests/s to oscar's.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from catalog import (  # noqa: E402
    ADJECTIVES,
    DEFAULT_REDIS_URL,
    HOST,
    NOUNS,
    PRODUCTS,
    database_url,
    django_setup,
    ensure_database,
    free_port,
    seed,
    start_server,
    stop_server,
)
from request import SHOPPERS, run_wrk, shopper_name, shoppers_seed, warm_up  # noqa: E402

CACHE = Path(os.environ.get("SOKO_BENCH_CACHE") or Path.home() / ".cache" / "soko-bench")
OSCAR_VENV = CACHE / "oscar-venv"
OSCAR_PROJECT = CACHE / "oscar-site"
OSCAR_DATABASE_URL = os.environ.get("OSCAR_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/soko_bench_oscar")
OSCAR_REDIS_URL = os.environ.get("OSCAR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# django-oscar 4.2.1 with everything it pulls in, pinned; Django, gunicorn, psycopg and
# redis at Soko's versions.
OSCAR_REQUIREMENTS = [
    "django-oscar==4.2.1",
    "Django==5.2.19",
    "gunicorn==27.0.1",
    "psycopg==3.3.9",
    "psycopg-binary==3.3.9",
    "psycopg-pool==3.3.3",
    "redis==8.1.0",
    "sorl-thumbnail==12.11.0",
    "Whoosh==2.7.4",
    "asgiref==3.13.0",
    "babel==2.19.0",
    "django-extra-views==0.16.0",
    "django-haystack==3.4.0",
    "django-phonenumber-field==8.5.0",
    "django-tables2==2.7.0",
    "django-treebeard==7.0.3",
    "django-widget-tweaks==1.5.1",
    "factory_boy==3.3.3",
    "Faker==40.63.0",
    "packaging==26.4",
    "phonenumbers==9.0.43",
    "pillow==13.0.0",
    "purl==1.6",
    "six==1.17.0",
    "sqlparse==0.6.1",
    "typing_extensions==4.16.0",
]
SIGNED_IN_PRODUCTS = 40
COLD_PRODUCTS = 2000
SEARCHES = 500
MISSPELT = 100  # of the 500
SIGNED_IN_SEARCHES = ["necklace", "basket", "solar radio", "coffee", "handwoven"]

# Rotates the paths (and the shoppers' cookies) for --seconds. With ``once`` it asks each path
# once: wrk's threads take every other one, a thread stops when its share is answered (the
# request each of its other connections has under way then is dropped, not counted), and the
# run lasts from the first request sent to the last answer (wrk's own duration is -d's).
WRK_SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local paths = {%(paths)s}
local cookies = {%(cookies)s}
local once = %(once)s
local threads = %(threads)d
local counter = 0
local answered = 0
local started = {}

function setup(thread)
  thread:set("thread_id", #started)
  table.insert(started, thread)
end

function init(args)
  -- wrk calls request() once on its first thread before the run, to check what it returns.
  if thread_id == 0 then counter = -1 end
end

request = function()
  if counter == 0 then first_sent = now() end
  local n = counter
  if once then n = thread_id + counter * threads end
  counter = counter + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(counter %% #cookies) + 1] end
  return wrk.format("GET", paths[(n %% #paths) + 1], headers)
end

if once then
  response = function(status, headers, body)
    answered = answered + 1
    last_answer = now()
    if answered >= math.ceil((#paths - thread_id) / threads) then wrk.thread:stop() end
  end
end

done = function(summary, latency, requests)
  local duration = summary.duration
  if once then
    local first, last = nil, nil
    for _, thread in ipairs(started) do
      local sent, answer = thread:get("first_sent"), thread:get("last_answer")
      if sent and (not first or sent < first) then first = sent end
      if answer and (not last or answer > last) then last = answer end
    end
    if first and last then duration = last - first end
  end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%f %%f %%f\\n", summary.requests, math.floor(duration),
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency.max))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="seconds a run at most (default 20)")
    parser.add_argument("--rounds", type=int, default=3, choices=range(1, 5), help="rounds per scenario (default 3, at most 4)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers on each side (default: one per core)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    parser.add_argument("--oscar-search", choices=["whoosh", "simple"], default="whoosh",
                        help="oscar's haystack backend: Whoosh, a file index (the default), or haystack's simple database one")
    parser.add_argument("--reseed-oscar", action="store_true", help="make oscar's catalogue and search index again")
    return parser.parse_args()


# oscar's side --------------------------------------------------------------------------------


def oscar_env(search: str) -> dict:
    env = {name: value for name, value in os.environ.items()
           if name not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", "REDIS_URL")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "oscar_site.settings",
        "PYTHONPATH": str(OSCAR_PROJECT),
        "OSCAR_BENCH_HOME": str(OSCAR_PROJECT),
        "OSCAR_BENCH_DATABASE_URL": OSCAR_DATABASE_URL,
        "OSCAR_BENCH_REDIS_URL": OSCAR_REDIS_URL,
        "OSCAR_BENCH_SEARCH": search,
    }


def ensure_oscar_venv() -> Path:
    """oscar's own venv in the cache folder, never Soko's; reinstalled when the pins change."""
    python = OSCAR_VENV / "bin" / "python"
    marker = OSCAR_VENV / "bench-requirements.txt"
    wanted = "\n".join(OSCAR_REQUIREMENTS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    if not python.exists():
        OSCAR_VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(OSCAR_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *OSCAR_REQUIREMENTS], check=True)
    marker.write_text(wanted)
    return python


def write_oscar_project() -> None:
    (OSCAR_PROJECT / "oscar_site").mkdir(parents=True, exist_ok=True)
    shutil.copytree(BENCH / "oscar_site", OSCAR_PROJECT / "oscar_site", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))


def seed_oscar(python: Path, env: dict, *, reseed: bool, workdir: Path) -> dict:
    spec = {"products": PRODUCTS, "nouns": NOUNS, "adjectives": ADJECTIVES, "reseed": reseed, "shoppers": SHOPPERS}
    out = workdir / "oscar-seed.json"
    subprocess.run([str(python), "-m", "oscar_site.seed", str(out)], input=json.dumps(spec), text=True,
                   env=env, cwd=OSCAR_PROJECT, check=True)
    return json.loads(out.read_text())


def answers(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    """The status (a redirect is not followed) and the page."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": HOST, **({"Cookie": cookie} if cookie else {})})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def start_oscar(python: Path, env: dict, workdir: Path, *, workers: int) -> tuple[subprocess.Popen, int, Path]:
    """gunicorn as Soko's (sync workers, the app loaded before the fork, keep-alive 5 s)."""
    port = free_port()
    log_path = workdir / "oscar-server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [str(python.parent / "gunicorn"), "oscar_site.wsgi:application", "-b", f"{HOST}:{port}", "-w", str(workers),
             "-k", "sync", "--preload", "--keep-alive", "5", "--timeout", "30"],
            env=env, cwd=OSCAR_PROJECT, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if answers(port, "/bare/")[0] == 200:
                return server, port, log_path
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"oscar's gunicorn did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


# What is asked -------------------------------------------------------------------------------


def search_queries(rounds: int) -> list[list[str]]:
    """500 different searches a round (one in five misspelt by a letter), none asked in two rounds."""
    rng = random.Random(35)
    every = NOUNS + ADJECTIVES + [f"{a} {n}" for a in ADJECTIVES for n in NOUNS] + [f"{n} {a}" for a in ADJECTIVES for n in NOUNS]
    pool = [query for query in every if query not in SIGNED_IN_SEARCHES]
    rng.shuffle(pool)
    seen, per_round = set(SIGNED_IN_SEARCHES), []
    for _ in range(rounds):
        queries = []
        while len(queries) < SEARCHES - MISSPELT:
            query = pool.pop()
            seen.add(query)
            queries.append(query)
        while len(queries) < SEARCHES:
            words = rng.choice(every).split()
            n = rng.randrange(len(words))
            word = words[n]
            at = rng.randrange(1, len(word) - 1)
            words[n] = word[:at] + rng.choice([c for c in "aeioustnrl" if c != word[at]]) + word[at + 1:]
            query = " ".join(words)
            if query not in seen:
                seen.add(query)
                queries.append(query)
        rng.shuffle(queries)
        per_round.append(queries)
    return per_round


def scenarios(soko_products: list[str], oscar: dict, rounds: int) -> dict:
    """name -> {"signed_in", "once", side -> a list of paths per round, "warm_" + side -> the
    pages a cold scenario's workers are warmed on}."""
    rng = random.Random(7)
    cold = list(range(SIGNED_IN_PRODUCTS, min(len(soko_products), len(oscar["live"]))))
    rng.shuffle(cold)
    cold_rounds = [cold[r * COLD_PRODUCTS:(r + 1) * COLD_PRODUCTS] for r in range(rounds)]
    searches = [[f"/search/?q={quote_plus(query)}" for query in queries] for queries in search_queries(rounds)]
    signed_in_searches = [f"/search/?q={quote_plus(word)}" for word in SIGNED_IN_SEARCHES]

    def each_round(paths):
        return [paths] * rounds

    return {
        "bare request": {
            "signed_in": False, "once": False,
            "soko": each_round(["/healthz/live"]), "oscar": each_round(["/bare/"]),
        },
        "product, signed in (40)": {
            "signed_in": True, "once": False,
            "soko": each_round(soko_products[:SIGNED_IN_PRODUCTS]), "oscar": each_round(oscar["live"][:SIGNED_IN_PRODUCTS]),
        },
        "product, anonymous (2,000 cold)": {
            "signed_in": False, "once": True,
            "soko": [[soko_products[n] for n in chunk] for chunk in cold_rounds],
            "oscar": [[oscar["live"][n] for n in chunk] for chunk in cold_rounds],
            "warm_soko": soko_products[:SIGNED_IN_PRODUCTS], "warm_oscar": oscar["live"][:SIGNED_IN_PRODUCTS],
        },
        "search, anonymous (500 cold)": {
            "signed_in": False, "once": True, "soko": searches, "oscar": searches,
            "warm_soko": signed_in_searches, "warm_oscar": signed_in_searches,
        },
        "category, signed in": {
            "signed_in": True, "once": False,
            "soko": each_round([f"/c/fashion/?page={page}" for page in range(1, 6)]),
            "oscar": each_round([f"{oscar['category']}?page={page}" for page in range(1, 6)]),
        },
        "search, signed in": {
            "signed_in": True, "once": False, "soko": each_round(signed_in_searches), "oscar": each_round(signed_in_searches),
        },
    }


# Measuring -----------------------------------------------------------------------------------


def run(port: int, paths: list[str], cookies: list[str], *, once: bool, clients: int, seconds: float, workdir: Path) -> dict:
    script = workdir / "oscar-bench.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "paths": ", ".join(f'"{path}"' for path in paths),
            "cookies": ", ".join(f'"{cookie}"' for cookie in cookies),
            "once": "true" if once else "false",
            "threads": min(clients, 2),  # as run_wrk starts wrk
        }
    )
    load_before = os.getloadavg()[0]
    result = run_wrk(port, script, clients=clients, seconds=seconds)
    return {**result, "load": (load_before, os.getloadavg()[0])}


# What marks a product in a listing: Soko's card, oscar's product_pod.
PRODUCT_MARK = {"soko": 'data-testid="product-card"', "oscar": 'class="product_pod"'}
# What a page shows only to a signed-in shopper (the first of them asks the check).
SIGNED_IN_MARK = {"soko": shopper_name(0), "oscar": 'id="logout_link"'}


def check_pages(port: int, chosen: dict, side: str, cookies: list[str]) -> None:
    """Each scenario's first page answers 200 (not a redirect), and a signed-in listing lists
    products (a search that finds nothing would be cheap), before it is loaded."""
    for name, scenario in chosen.items():
        path = scenario[side][0][0]
        status, page = answers(port, path, cookies[0] if scenario["signed_in"] else "")
        if status != 200:
            raise RuntimeError(f"{side} answers {path} ({name}) with {status}")
        if name.startswith(("category", "search, signed in")) and PRODUCT_MARK[side] not in page:
            raise RuntimeError(f"{side}'s {path} ({name}) lists no product")
        if scenario["signed_in"] and SIGNED_IN_MARK[side] not in page:
            raise RuntimeError(f"{side}'s {path} ({name}) is not signed in: the server does not see the session")


def main():
    args = parse_args()
    url = database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    hosts = {urlsplit(value).hostname for value in (url, redis_url, OSCAR_DATABASE_URL, OSCAR_REDIS_URL)}
    if hosts - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    if urlsplit(url).path == urlsplit(OSCAR_DATABASE_URL).path or redis_url == OSCAR_REDIS_URL:
        sys.exit("Soko and oscar need a database and a Redis database each.")
    if not shutil.which("wrk"):
        sys.exit("This benchmark needs wrk (Debian's package wrk).")
    workers = args.workers or os.cpu_count()

    # Soko: bench/catalog.py's catalogue, bench/request.py's shoppers.
    ensure_database(url)
    django_setup(url)
    seed(reseed=False)
    soko_cookies = shoppers_seed()
    from django.db import connections

    from shop.catalog.models import Product

    soko_products = [
        f"/p/{slug}/"
        for slug in Product.objects.visible().filter(slug__startswith="bench-").order_by("pk").values_list("slug", flat=True)
    ]
    connections.close_all()

    # oscar: its venv, project, database, catalogue and shoppers.
    python = ensure_oscar_venv()
    write_oscar_project()
    env = oscar_env(args.oscar_search)
    ensure_database(OSCAR_DATABASE_URL)
    import redis

    with tempfile.TemporaryDirectory(prefix="soko-bench-oscar-") as tmp:
        workdir = Path(tmp)
        oscar = seed_oscar(python, env, reseed=args.reseed_oscar, workdir=workdir)
        print(
            f"Soko: {len(soko_products)} live bench products; oscar: {oscar['products']} products, {len(oscar['live'])} public, "
            f"{oscar['category_products']} in the category page's category, search {args.oscar_search}"
            + (f", seeded and indexed in {oscar['seconds']:.0f} s" if oscar["seeded"] else "")
        )
        chosen = {name: value for name, value in scenarios(soko_products, oscar, args.rounds).items() if args.only in name}
        cookies = {"soko": soko_cookies, "oscar": oscar["cookies"]}
        redis.Redis.from_url(redis_url).flushdb()
        redis.Redis.from_url(OSCAR_REDIS_URL).flushdb()

        soko_server, soko_port, soko_log = start_server(url, redis_url, workdir, kind="gunicorn", workers=workers, page_cache=True)
        servers, logs = {"soko": soko_server}, {"soko": soko_log}
        results = {name: {"soko": [], "oscar": []} for name in chosen}
        try:
            oscar_server, oscar_port, oscar_log = start_oscar(python, env, workdir, workers=workers)
            servers["oscar"], logs["oscar"] = oscar_server, oscar_log
            ports = {"soko": soko_port, "oscar": oscar_port}
            for side in ports:
                check_pages(ports[side], chosen, side, cookies[side])
            load = os.getloadavg()
            print(
                f"gunicorn, {workers} sync workers a side, DEBUG=0, Redis caches (Soko's page cache on); wrk, {args.clients} "
                f"connections, {args.seconds:.0f} s a run at most, {args.rounds} round(s); {os.cpu_count()} CPUs; "
                f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
            )
            for name, scenario in chosen.items():
                signed_in = scenario["signed_in"]
                for side in ports:
                    # A cold run's pages stay cold: its workers are warmed on pages of the same kind.
                    warm_up(
                        ports[side], scenario.get(f"warm_{side}", scenario[side][0]), cookies[side] if signed_in else [],
                        signed_in_mark=shopper_name if side == "soko" else lambda n: SIGNED_IN_MARK["oscar"],
                    )
                for r in range(args.rounds):
                    for side in ("soko", "oscar") if r % 2 == 0 else ("oscar", "soko"):
                        result = run(ports[side], scenario[side][r], cookies[side] if signed_in else [], once=scenario["once"],
                                     clients=args.clients, seconds=args.seconds, workdir=workdir)
                        results[name][side].append(result)
                        print(
                            f"{name:<32} round {r + 1} {side:<5} {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f} ms  "
                            f"p95 {result['p95']:7.1f} ms  {result['requests']:6} requests  "
                            f"load {result['load'][0]:.2f} -> {result['load'][1]:.2f}"
                            + (f"  ERRORS: {', '.join(result['errors'])}" if result["errors"] else "")
                        )
                        time.sleep(1)
        finally:
            for server in servers.values():
                stop_server(server)
            log_tails = {side: path.read_text(errors="replace")[-2000:] for side, path in logs.items()}

    print(f"\nmedian of {args.rounds} round(s):\n")
    print(f"| {'scenario':<32} | {'Soko req/s':>10} | {'Soko p50 / p95 ms':>17} | {'oscar req/s':>11} | "
          f"{'oscar p50 / p95 ms':>18} | {'Soko / oscar':>12} |")
    print(f"|{'-' * 34}|{'-' * 11}:|{'-' * 18}:|{'-' * 12}:|{'-' * 19}:|{'-' * 13}:|")
    failed = False
    for name, sides in results.items():
        median = {side: {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p95")}
                  for side, runs in sides.items()}
        soko, oscar_ = median["soko"], median["oscar"]
        print(
            f"| {name:<32} | {soko['rps']:>10.1f} | {soko['p50']:>7.1f} / {soko['p95']:>7.1f} | {oscar_['rps']:>11.1f} | "
            f"{oscar_['p50']:>8.1f} / {oscar_['p95']:>7.1f} | {soko['rps'] / oscar_['rps']:>12.2f} |"
        )
        failed = failed or any(run["errors"] for runs in sides.values() for run in runs)
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if failed:
        for side, tail in log_tails.items():
            print(f"\n{side}'s server log, its end:\n{tail}")
        sys.exit(1)


if __name__ == "__main__":
    main()
