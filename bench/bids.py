"""Auction bids benchmark: one live auction, 200 people watching it over sockets and a few
bidders bidding against each other over HTTP, on PostgreSQL and channels-redis, in the
production setup.

    .venv/bin/python bench/bids.py                          # 200 watchers, 4 bidders, 300 bids as fast as they go
    .venv/bin/python bench/bids.py --watchers 400 --rate 5  # 5 bids a second between them
    .venv/bin/python bench/bids.py --watchers 1000 --rate 2 --bids 200
    .venv/bin/python bench/bids.py --watchers 50 --bidders 8 --bids 600 --seconds 120
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_bids (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11 (the default; flushed at the start)

What it does:
1. recreates the database, migrates it and seeds one store, one product sold by auction
   and its live auction (start price 100 KES, ending in a day, so no soft close), the
   bidders and, with ``--signed-in``, some signed-in watchers, each with a session made
   directly;
2. starts the production setup with DEBUG off: gunicorn (site_config/gunicorn.py, one
   worker per core) for pages and one daphne process for the sockets, meeting in
   channels-redis, the cache in Redis, no Huey worker;
3. opens one socket per watcher at /ws/auctions/<id>/ (a small asyncio client in a process
   of its own; anonymous unless signed in, their languages taken in turn from
   LANGUAGES by the language cookie; all from one address, so the servers get
   SOKO_SOCKETS_PER_ADDRESS and SOKO_SOCKET_CONNECTS_PER_MINUTE high enough, unless set)
   and waits until the auction's group holds the daphne process's shared channel (its
   watchers share it: shop/notifications/fanout.py);
4. each bidder (a thread with its own HTTP connection) loads the auction page for its
   CSRF cookie, then posts bids as the page's form does with htmx (POST
   /auctions/<id>/bid/, ``HX-Request``): the least next bid it last saw in any bidder's
   answer (``data-min-next``), sometimes one to four increments more, so some bids are
   refused as too low and some are outbid at once by another bidder's higher maximum.
   A bidder who leads waits until someone else's answer shows a newer state. The answer's
   message says what became of the bid. ``--warmup`` bids first (not measured; every
   watcher has their last push before the measured bids start), then ``--bids`` bids or
   ``--seconds``, whichever ends first, as fast as the bidders go or at ``--rate`` bids a
   second between them (Poisson arrivals);
5. every bid that changed the auction moved its ``seq`` and was pushed, after its commit,
   to the auction's group: every language rendered in the gunicorn worker, one
   message through Redis, daphne sending each socket its language. The socket process
   notes when each socket received each ``seq`` (``data-seq`` of
   ``id="auction-<id>-state"``) and the pushed price (the top ``data-amount`` of the bid
   history). Per change: from the moment its bid row was written (its ``created_at``,
   inside the bid's transaction, before the auction row is saved, the outbid bidder
   notified and the transaction committed) to the first watcher and to the last watcher
   having received that ``seq`` or a later one, and to the bidder's answer; and from the
   bidder's answer to every watcher having the ``seq`` the answer showed;
6. prints accepted bids/s, the bids' outcomes, p50/p95/max of those times, the CPU the
   servers and the clients used, and what a push costs its sender (rendered and sent
   once more in this process after the run); closes every socket and checks that none
   stays in the auction's group. It exits non-zero when a bid got an error, a watcher
   missed a push, the server closed or refused a socket, the group no longer held the
   server's channel when the bidding ended, or still held it once every socket closed.
"""

import argparse
import asyncio
import http.client
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import HOST, django_setup, ensure_database, rss_mib, serving_processes, start_server, stop_server  # noqa: E402
from jobs import percentile, server_errors, wait_for_groups, ws_frame, ws_messages, ws_open  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench_bids"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
SECRET_KEY = "bench-" + "x" * 60  # what start_server gives the servers: sessions made here must verify there
# What the answer's message says became of a bid (English: the bidders have no language set).
OUTCOMES = [
    ("lead", "You lead at"),
    ("outbid", "You were outbid at once"),
    ("raised", "Your maximum is now"),
    ("too low", "Bid at least"),
    ("too low", "Someone bid this amount"),
    ("too low", "You already lead with a maximum"),
    ("busy", "Many people are bidding"),
]
MOVED = {"lead", "outbid"}  # a bid that changed the auction: a new seq, pushed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, default=200, help="sockets watching the auction (default 200)")
    parser.add_argument("--signed-in", type=float, default=0.0, help="share of the watchers signed in (default 0: all anonymous)")
    parser.add_argument("--bidders", type=int, default=4, help="concurrent bidders, at least 2 (default 4)")
    parser.add_argument("--bids", type=int, default=300, help="bids posted while measured (default 300)")
    parser.add_argument("--seconds", type=float, default=120, help="stop bidding after this long (default 120)")
    parser.add_argument("--rate", type=float, default=0, help="bids a second between all bidders (default 0: as fast as they go)")
    parser.add_argument("--warmup", type=int, default=30, help="bids posted first, not measured (default 30)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: one per core)")
    parser.add_argument("--wait", type=float, default=10, help="seconds the last push may take before it counts as missed")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.bidders < 2:
        parser.error("--bidders must be at least 2: a lone bidder leads and has no one to outbid")
    return args


# Seeding -------------------------------------------------------------------------------------


def session_cookie(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def seed(*, bidders: int, signed_in: int) -> dict:
    """A store, a product sold by auction and its live auction; bidders and signed-in
    watchers with sessions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from sellers.models import Store, StoreMember
    from shop.auctions.services import Terms, auction_create
    from shop.catalog.models import Category, Product, Variant

    user_model = get_user_model()
    unusable = make_password(None)  # no password hashing: these people sign in by session only
    owner = user_model.objects.create(email="bench-owner@soko.test", display_name="Owner", password=unusable)
    store = Store.objects.create(name="Bench auctions", slug="bench-auctions", phone="+254 700 000 000", currency="KES")
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    category = Category.objects.filter(parent__isnull=False).first() or Category.objects.create(name="Bench", slug="bench")
    now = timezone.now()
    product = Product.objects.create(
        store=store, category=category, listing_type=Product.Listing.AUCTION, title="Carved Kisii stone chess set",
        slug="bench-auction-chess-set", description="Hand-carved soapstone, 32 pieces and board.",
        status=Product.Status.ACTIVE, published_at=now, min_price=Decimal("100.00"), in_stock=True,
    )
    Variant.objects.create(product=product, name="Standard", price=Decimal("100.00"), stock=1)
    auction = auction_create(
        product=product,
        terms=Terms(start_price=Decimal("100.00"), starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1)),
    )
    people = user_model.objects.bulk_create([
        user_model(email=f"bench-bidder-{n}@soko.test", display_name=f"Bidder {n}", first_name=f"Bidder{n}", password=unusable)
        for n in range(bidders)
    ] + [
        user_model(email=f"bench-watcher-{n}@soko.test", display_name=f"Watcher {n}", password=unusable)
        for n in range(signed_in)
    ])
    cookies = [session_cookie(person) for person in people]
    return {"auction": auction.pk, "bidders": cookies[:bidders], "watchers": cookies[bidders:]}


# The watchers (their own process) --------------------------------------------------------------


def watcher_clients(port: int, auction_id: int, cookies: list[str], events, control) -> None:
    """One socket per watcher, in a process of its own so that receiving is timed apart
    from bidding. Sends ("open", refused) once every socket is open or refused; answers
    "lowest" with the lowest seq the open sockets have all reached; on "stop" closes the
    sockets and sends ("done", per socket [(seq, time.time())], {seq: pushed price},
    pushes without a seq, [(socket, close code, time)] of the sockets the server closed)."""
    asyncio.run(_watcher_clients(port, auction_id, cookies, events, control))


async def _watcher_clients(port, auction_id, cookies, events, control):
    state = re.compile(rf'<[^>]*\bid="auction-{auction_id}-state"[^>]*>')
    seq_of = re.compile(r'\bdata-seq="(\d+)"')
    amount_of = re.compile(r'\bdata-amount="([0-9.]+)"')
    limit = asyncio.Semaphore(20)  # handshakes at once
    writers, refused, ended, stopping = {}, [], [], False
    seen = [[] for _ in cookies]
    prices, unmarked = {}, [0]

    async def watcher(index: int, cookie: str):
        async with limit:
            try:
                reader, writer = await asyncio.wait_for(ws_open(port, f"/ws/auctions/{auction_id}/", cookie), 30)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError) as error:
                refused.append((index, repr(error)))
                return
        writers[index] = writer
        english = cookie.endswith("=en")  # the language cookie comes last  # data-amount is localised: read it in English
        close = {"code": "connection lost"}
        try:
            async for message in ws_messages(reader, writer, close):
                now = time.time()
                text = message.decode(errors="replace")
                tag = state.search(text)
                found = seq_of.search(tag.group(0)) if tag else None
                if found is None:
                    unmarked[0] += 1
                    continue
                seq = int(found.group(1))
                seen[index].append((seq, now))
                if english and seq not in prices and (top := amount_of.search(text, tag.end())):
                    prices[seq] = top.group(1)
        except (OSError, asyncio.IncompleteReadError):
            pass
        if not stopping:
            writers.pop(index, None)
            ended.append((index, close["code"], time.time()))

    tasks = [asyncio.create_task(watcher(index, cookie)) for index, cookie in enumerate(cookies)]
    while len(writers) + len(refused) < len(cookies):
        await asyncio.sleep(0.05)
    events.send(("open", refused))
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, control.recv) == "lowest":
        reached = [max((seq for seq, _t in seen[index]), default=0) for index in writers]
        events.send(("lowest", min(reached, default=0)))
    stopping = True
    for writer in writers.values():
        try:
            writer.write(ws_frame(0x8, (1000).to_bytes(2, "big")))
            writer.close()
        except OSError:
            pass
    await asyncio.wait(tasks, timeout=5)
    events.send(("done", seen, prices, unmarked[0], ended))


# Bidding -------------------------------------------------------------------------------------


class Board:
    """What the bidders know of the auction: the newest state any bidder's answer showed."""

    def __init__(self, start: Decimal):
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.seq, self.min_next = 0, start

    def learn(self, seq: int, min_next: Decimal) -> None:
        with self.lock:
            if seq > self.seq:
                self.seq, self.min_next = seq, min_next
                self.changed.notify_all()


def bid_phase(port: int, auction_id: int, cookies: list[str], board: Board, *, total: int, seconds: float, rate: float,
              rng: random.Random) -> dict:
    """Each bidder in a thread posts bids until ``total`` were posted or ``seconds`` passed.
    Returns every bid as (bidder, outcome, seq shown, sent, answered) in time.time()."""
    from django.conf import settings

    from shop.auctions.selectors.bidding import increment_for

    currency = "KES"
    state = re.compile(rf'<[^>]*\bid="auction-{auction_id}-state"[^>]*>')
    seq_of, min_of = re.compile(r'\bdata-seq="(\d+)"'), re.compile(r'\bdata-min-next="([0-9.]+)"')
    lock = threading.Lock()
    posted = iter(range(total))
    finished = threading.Event()  # every bid posted: a leading bidder stops waiting
    bids, errors = [], []
    started = time.monotonic()
    deadline = started + seconds
    # Poisson arrivals at ``rate`` between all bidders: each bidder at rate / bidders.
    gaps = [random.Random(rng.random()) for _ in cookies]
    extra = [random.Random(rng.random()) for _ in cookies]

    def bidder(index: int, cookie: str, csrf: str):
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        leading_at = None  # the seq this bidder's last answer showed, when it led
        due = time.monotonic()
        while time.monotonic() < deadline:
            with board.lock:
                while leading_at is not None and board.seq <= leading_at and time.monotonic() < deadline and not finished.is_set():
                    board.changed.wait(0.2)  # leading: wait until another answer shows a newer state
                min_next = board.min_next
            if time.monotonic() >= deadline or finished.is_set():
                break
            if rate:
                due = max(due, time.monotonic()) if leading_at is not None else due  # no burst to catch up after leading
                due += gaps[index].expovariate(rate / len(cookies))
                time.sleep(max(0.0, due - time.monotonic()))
            with lock:
                if next(posted, None) is None:
                    finished.set()
                    with board.lock:
                        board.changed.notify_all()
                    break
            amount = min_next + extra[index].choice([0, 0, 0, 1, 2, 4]) * increment_for(min_next, currency)
            body = urlencode({"amount": str(amount)})
            headers = {
                "Host": f"{HOST}:{port}", "Origin": f"http://{HOST}:{port}", "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf}",
                "X-CSRFToken": csrf, "HX-Request": "true", "HX-Current-URL": f"http://{HOST}:{port}/auctions/{auction_id}/",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            sent = time.time()
            try:
                connection.request("POST", f"/auctions/{auction_id}/bid/", body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode(errors="replace")
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                with lock:
                    errors.append(repr(error))
                continue
            answered = time.time()
            tag = state.search(text)
            seq = int(seq_of.search(tag.group(0)).group(1)) if tag else 0
            if tag and (least := min_of.search(tag.group(0))):
                board.learn(seq, Decimal(least.group(1)))
            outcome = next((name for name, words in OUTCOMES if words in text), f"HTTP {response.status}" if response.status != 200 else "other")
            leading_at = seq if outcome in ("lead", "raised") else None
            with lock:
                bids.append((index, outcome, seq, sent, answered))
                if outcome.startswith("HTTP") or outcome == "other":
                    errors.append(f"{outcome}: {text[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=bidder, args=(index, cookie, csrf)) for index, (cookie, csrf) in enumerate(cookies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"bids": bids, "errors": errors, "wall": time.monotonic() - started}


def csrf_token(port: int, path: str, cookie: str) -> str:
    """Load the page at ``path`` as the person with ``cookie``, as before posting one of its
    forms: the CSRF cookie it sets."""
    from django.conf import settings

    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", path, headers={"Host": f"{HOST}:{port}", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    token = next(
        (value.split(";", 1)[0].split("=", 1)[1] for value in response.msg.get_all("Set-Cookie") or []
         if value.startswith(f"{settings.CSRF_COOKIE_NAME}=")),
        None,
    )
    connection.close()
    if response.status != 200 or not token:
        raise RuntimeError(f"{path} answered {response.status} without a CSRF cookie")
    return token


def csrf_tokens(port: int, auction_id: int, cookies: list[str]) -> list[tuple[str, str]]:
    """Each bidder loads the auction's page, as before a bid: the CSRF cookie it sets."""
    return [(cookie, csrf_token(port, f"/auctions/{auction_id}/", cookie)) for cookie in cookies]


# Measuring ---------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def reach_times(seen: list[tuple[int, float]], first: int, last: int) -> dict[int, float]:
    """For each seq from ``first`` to ``last``: when this socket had received it or a later one."""
    reached, earliest = {}, None
    ordered = sorted(seen)
    position = len(ordered) - 1
    for seq in range(last, first - 1, -1):
        while position >= 0 and ordered[position][0] >= seq:
            moment = ordered[position][1]
            earliest = moment if earliest is None else min(earliest, moment)
            position -= 1
        if earliest is not None:
            reached[seq] = earliest
    return reached


def push_cost_ms(auction_id: int, times: int = 20) -> tuple[list[float], list[float]]:
    """What a push costs its sender, in this process (after the run, the sockets closed):
    the auction read again and its live parts rendered in every language, as
    ``_push_state`` does after each bid; and one ``group_send`` of that message from sync
    code, as there, to a group nobody is in."""
    from django.conf import settings
    from django.utils import translation

    from shop.auctions.models import Auction
    from shop.auctions.services import live_fragments
    from shop.core.services.realtime import group_send

    rendering, sending = [], []
    for _n in range(times + 2):
        started = time.perf_counter()
        fresh = Auction.objects.select_related("product", "store", "leader").get(pk=auction_id)
        copies = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                copies[code] = live_fragments(fresh, times_marked=True)
        rendered = time.perf_counter()
        group_send("auction.bench-nobody", {"type": "auction.push", "seq": fresh.seq, "html": copies})
        rendering.append((rendered - started) * 1000)
        sending.append((time.perf_counter() - rendered) * 1000)
    return rendering[2:], sending[2:]  # the first two fill the template and translation caches


def ask_lowest(events, control) -> int:
    control.send("lowest")
    while True:
        message = events.recv()
        if message[0] == "lowest":
            return message[1]


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the benchmark's own Redis database
    ensure_database(url, recreate=True)
    # This process lists the auction through the same Redis (the closing job is queued
    # there, never run) and signs the sessions with the servers' key.
    os.environ.update(REDIS_URL=redis_url, SECRET_KEY=SECRET_KEY)
    # Every watcher connects from this machine's one address: the servers let them all in.
    os.environ.setdefault("SOKO_SOCKETS_PER_ADDRESS", str(args.watchers + 100))
    os.environ.setdefault("SOKO_SOCKET_CONNECTS_PER_MINUTE", str(10 * args.watchers + 600))
    django_setup(url)
    warnings.filterwarnings("ignore", message=r"A \{% csrf_token %\} was used in a template")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from shop.auctions.models import Auction, Bid

    call_command("migrate", verbosity=0)
    signed_in = round(args.watchers * args.signed_in)
    data = seed(bidders=args.bidders, signed_in=signed_in)
    auction_id = data["auction"]
    languages = [code for code, _name in settings.LANGUAGES]
    watcher_cookies = [
        (f"{data['watchers'][n]}; " if n < signed_in else "") + f"{settings.LANGUAGE_COOKIE_NAME}={languages[n % len(languages)]}"
        for n in range(args.watchers)
    ]
    connections.close_all()
    rng = random.Random(args.seed)

    spawn = multiprocessing.get_context("spawn")
    events, events_to_us = spawn.Pipe(duplex=False)
    control_from_us, control = spawn.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
        (Path(tmp) / "web").mkdir()
        (Path(tmp) / "ws").mkdir()
        web, web_port, web_log = start_server(url, redis_url, Path(tmp) / "web", kind="gunicorn", workers=args.workers, page_cache=False)
        sockets = None
        try:
            ws, ws_port, ws_log = start_server(url, redis_url, Path(tmp) / "ws", kind="daphne", workers=1, page_cache=False)
            try:
                load_before = os.getloadavg()
                print(f"gunicorn × {args.workers} on :{web_port} (bids), daphne on :{ws_port} (sockets), DEBUG=0, "
                      f"channels-redis; {os.cpu_count()} CPUs, load average {load_before[0]:.2f}")
                sockets = spawn.Process(target=watcher_clients, args=(ws_port, auction_id, watcher_cookies, events_to_us, control_from_us))
                sockets.start()
                opening = time.monotonic()
                _kind, refused = events.recv()
                opened = args.watchers - len(refused)
                wait_for_groups(redis_url, {f"auction.{auction_id}": 1})  # daphne's shared channel
                print(f"{opened} watchers ({signed_in} signed in) open and in the auction's group in "
                      f"{time.monotonic() - opening:.1f} s" + (f"; {len(refused)} refused: {refused[:3]}" if refused else ""))

                bidders = csrf_tokens(web_port, auction_id, data["bidders"])
                board = Board(Decimal("100.00"))
                warm = bid_phase(web_port, auction_id, bidders, board, total=args.warmup, seconds=60, rate=10, rng=rng)
                time.sleep(1)
                start_seq = Auction.objects.values_list("seq", flat=True).get(pk=auction_id)
                group_key = f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}:group:auction.{auction_id}"
                client = redis.Redis.from_url(redis_url)
                deadline = time.monotonic() + args.wait
                while (warmed := ask_lowest(events, control)) < start_seq and time.monotonic() < deadline:
                    time.sleep(0.2)  # every watcher has the warm-up's last push before the measured bids start
                if warmed < start_seq:
                    print(f"after the warm-up the watchers have reached seq {warmed} of {start_seq}; "
                          f"{client.zcard(group_key)} channels in the auction's group")
                connections.close_all()
                servers = [ws.pid, *serving_processes(web)]
                cpu_before = {"daphne": cpu_seconds([ws.pid]), "gunicorn": cpu_seconds(servers[1:]),
                              "watchers": cpu_seconds([sockets.pid]), "bidders": cpu_seconds([os.getpid()])}
                machine_before = machine_busy()
                run = bid_phase(web_port, auction_id, bidders, board, total=args.bids, seconds=args.seconds, rate=args.rate, rng=rng)
                machine_after = machine_busy()
                cpu_after = {"daphne": cpu_seconds([ws.pid]), "gunicorn": cpu_seconds(servers[1:]),
                             "watchers": cpu_seconds([sockets.pid]), "bidders": cpu_seconds([os.getpid()])}
                end_seq = Auction.objects.values_list("seq", flat=True).get(pk=auction_id)
                deadline = time.monotonic() + args.wait
                while ask_lowest(events, control) < end_seq and time.monotonic() < deadline:
                    time.sleep(0.2)
                in_group = client.zcard(group_key)
                daphne_rss = rss_mib(ws.pid)
                load_after = os.getloadavg()
                control.send("stop")
                _kind, seen, prices, unmarked, ended = events.recv()
                sockets.join(10)
                closing = time.monotonic()
                while (left_in_group := client.zcard(group_key)) and time.monotonic() - closing < 30:
                    time.sleep(0.2)  # daphne runs each socket's disconnect
                emptied = time.monotonic() - closing
                written = {str(amount): created.timestamp() for amount, created in
                           Bid.objects.filter(auction_id=auction_id).values_list("amount", "created_at")}
                final = Auction.objects.get(pk=auction_id)
                rendering, sending = push_cost_ms(auction_id)
                connections.close_all()
            finally:
                if sockets is not None and sockets.is_alive():
                    sockets.terminate()
                stop_server(ws)
                ws_text = ws_log.read_text(errors="replace")
        finally:
            stop_server(web)
            web_text = web_log.read_text(errors="replace")

    # Per change (seq) in the measured run: when its bid was written, and when the watchers had it.
    changes = range(start_seq + 1, end_seq + 1)
    closed = {index for index, _code, _moment in ended}
    refused_indexes = {index for index, _error in refused}
    watching = [index for index in range(args.watchers) if index not in closed and index not in refused_indexes]
    reached = {index: reach_times(seen[index], start_seq + 1, end_seq) for index in watching}
    first, last, spread, missed, unpriced = {}, {}, [], [], []
    for seq in changes:
        moments = [reached[index].get(seq) for index in watching]
        missing = sum(moment is None for moment in moments)
        if missing:
            missed.append((seq, missing))
            continue
        first[seq], last[seq] = min(moments), max(moments)
        spread.append((last[seq] - first[seq]) * 1000)
    to_first, to_all = [], []
    for seq in first:
        price = prices.get(seq)
        if price is None or price not in written:
            unpriced.append(seq)
            continue
        to_first.append((first[seq] - written[price]) * 1000)
        to_all.append((last[seq] - written[price]) * 1000)
    answered_to_all = [(last[seq] - answered) * 1000 for _b, outcome, seq, _s, answered in run["bids"]
                       if outcome in MOVED and seq in last]
    written_to_answer = [(answered - written[prices[seq]]) * 1000 for _b, outcome, seq, _s, answered in run["bids"]
                         if outcome in MOVED and prices.get(seq) in written]
    outcomes = {}
    for _bidder, outcome, *_rest in run["bids"]:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    request_ms = [(answered - sent) * 1000 for *_rest, sent, answered in run["bids"]]
    moved = len(changes)
    span = (max(b[4] for b in run["bids"]) - min(b[3] for b in run["bids"])) if run["bids"] else run["wall"]

    print()
    print(f"Bids: {args.bidders} bidders, {len(run['bids'])} posted in {span:.1f} s "
          f"({'as fast as they go' if not args.rate else f'{args.rate:g}/s asked'}), after {len(warm['bids'])} warm-up bids; "
          f"outcomes {dict(sorted(outcomes.items()))}")
    print(f"accepted (moved the auction, pushed): {moved} = {moved / span:.1f}/s; all posted {len(run['bids']) / span:.1f}/s; "
          f"bid request p50 {statistics.median(request_ms):.1f} ms, p95 {percentile(request_ms, 0.95):.1f} ms")
    print(f"auction at the end: seq {final.seq}, {final.bid_count} bid rows, price {final.current_price}")
    print(f"a push's cost to its sender, in this process after the run: the read and render in {len(languages)} languages "
          f"p50 {statistics.median(rendering):.1f} ms, group_send p50 {statistics.median(sending):.1f} ms")
    print()
    print(f"| {'from → until':<46} | changes | p50 ms | p95 ms | max ms |")
    print(f"|{'-' * 48}|--------:|-------:|-------:|-------:|")
    for name, values in (
        ("bid written → seen by the first watcher", to_first),
        (f"bid written → seen by all {len(watching)} watchers", to_all),
        ("first watcher → last watcher", spread),
        ("bid written → its bidder's answer", written_to_answer),
        ("bidder's answer → seen by all watchers", answered_to_all),
    ):
        if values:
            print(f"| {name:<46} | {len(values):>7} | {statistics.median(values):>6.1f} | {percentile(values, 0.95):>6.1f} | {max(values):>6.1f} |")
    print()
    used = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
    busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1]) * 100
    print("CPU while bidding (share of one core): " + ", ".join(f"{name} {seconds / run['wall'] * 100:.0f} %" for name, seconds in used.items())
          + f"; the whole machine {busy:.0f} % busy ({os.cpu_count()} cores)")
    if moved:
        print(f"CPU per change: daphne {used['daphne'] / moved * 1000:.0f} ms ({used['daphne'] / moved / len(watching) * 1e6:.0f} µs a socket); "
              f"gunicorn {used['gunicorn'] / moved * 1000:.0f} ms ({used['gunicorn'] / max(1, len(run['bids'])) * 1000:.0f} ms a bid posted)")
    codes = {}
    for _index, code, _moment in ended:
        codes[code] = codes.get(code, 0) + 1
    print(f"changes missed by some watcher: {len(missed)}{f' {missed[:5]}' if missed else ''}; pushes without a seq: {unmarked}; "
          f"changes without a pushed price: {len(unpriced)}; sockets the server closed: {len(ended)}"
          + (f" (close codes {codes})" if codes else ""))
    print(f"channels in the auction's group at the end of the bidding: {in_group}; once every socket closed: {left_in_group} "
          f"({emptied:.1f} s later)")
    logged = {name: server_errors(text) for name, text in (("gunicorn", web_text), ("daphne", ws_text))}
    for name, errors in logged.items():
        for error, (count, _text) in errors.items():
            print(f"{name} log: {count} × {error}")
    print(f"daphne RSS with {opened} sockets: {daphne_rss:.0f} MiB; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    problems = run["errors"] + warm["errors"]
    lost = in_group < 1 and bool(watching)  # the server's channel out of the group: no push reaches its sockets
    if problems or missed or ended or refused or left_in_group or unpriced or not moved or lost:
        print(f"FAILED: bid errors {problems[:5]}; missed {missed[:5]}; sockets closed {ended[:5]}; refused {refused[:5]}; "
              f"server's channel out of the group {lost}; left in the group {left_in_group}; changes without a price {unpriced[:5]}")
        for name, errors in logged.items():
            for _count, text in errors.values():
                print(f"\n--- {name}, the first of its kind:\n" + "\n".join(text.splitlines()[-40:]))
        sys.exit(1)


if __name__ == "__main__":
    main()
