"""Courier job board benchmark: 1,000 open jobs across 20 areas and 200 couriers with live
sockets, on PostgreSQL and channels-redis, in the production setup.

    .venv/bin/python bench/jobs.py                          # 400 board requests, 50 jobs published
    .venv/bin/python bench/jobs.py --requests 1000 --publish 100
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_jobs (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/12 (the default; flushed at the start)

What it does:
1. recreates the database, migrates it and seeds it with bulk_create: an area tree (one
   country, 2 regions, 4 districts, 20 neighbourhoods), 40 stores (two per neighbourhood),
   1,000 open board jobs of ready home-delivery orders (50 per neighbourhood), the orders
   to publish during the run, and 200 approved couriers (160 serve one neighbourhood, 30
   two, 8 a district, 2 a region), each signed in with a session made directly;
2. starts the production setup with DEBUG off: gunicorn (site_config/gunicorn.py, one
   worker per core) for pages and one daphne process for the sockets, meeting in
   channels-redis, the cache in Redis, no Huey worker;
3. opens one socket per courier at /ws/jobs/ (a small asyncio client in a process of its
   own) and waits until every board group in Redis holds the sockets of all its couriers;
4. loads the board, GET /courier/, from 4 client threads, each request as the next
   courier; prints requests/s, p50/p95/max, queries per page and cards per page;
5. publishes the other orders one at a time with couriers.services.job_create from this
   process (same database, same channel layer: the card goes through Redis to daphne), and
   records when each socket received the card (``id="job-<pk>"``). Per job: the time from
   the commit to the first and to the last courier serving the pickup area (or an area
   above it) seeing it; prints p50/p95/max;
6. closes every socket and checks that daphne let go of each: no membership left in a
   socket group, no courier still counted as having a socket open. It prints the
   exceptions in the servers' logs and exits non-zero when a board request failed, a card
   was missed or reached a courier of another area, the server closed a socket, or a
   closed socket left something behind.
"""

import argparse
import asyncio
import base64
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import HOST, django_setup, ensure_database, rss_mib, start_server, stop_server  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench_jobs"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
SECRET_KEY = "bench-" + "x" * 60  # what start_server gives the servers: sessions made here must verify there
JOB_ID = re.compile(r'id="job-(\d+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000, help="open jobs on the board before the run (default 1,000)")
    parser.add_argument("--couriers", type=int, default=200, help="couriers, one socket each (default 200)")
    parser.add_argument("--requests", type=int, default=400, help="board requests (default 400)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent board clients (default 4)")
    parser.add_argument("--publish", type=int, default=50, help="jobs published one at a time while measured (default 50)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: one per core)")
    parser.add_argument("--wait", type=float, default=10, help="seconds a published card may take before it counts as missed")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * share) - 1)] if values else 0.0


# Seeding -------------------------------------------------------------------------------------


def seed(*, jobs: int, couriers: int, publish: int, rng: random.Random) -> dict:
    """The area tree, stores, open jobs, orders to publish and signed-in couriers."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from couriers.models import CourierProfile, DeliveryJob
    from sellers.models import Store, StoreMember
    from shop.geo.models import Area, AreaKind
    from shop.orders.models import Checkout, Order, OrderStatus
    from shop.orders.services.handover import handover_code_issue
    from shop.payments.models import PaymentStatus

    user_model = get_user_model()
    unusable = make_password(None)  # no password hashing: these people sign in by session only

    def area(name, kind, parent, lat, lng):
        return Area.objects.create(
            name=name, slug=name.lower().replace(" ", "-"), kind=kind, parent=parent,
            latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lng:.6f}"),
        )

    country = area("Benchland", AreaKind.COUNTRY, None, -1.0, 37.0)
    regions, districts, neighbourhoods = [], [], []
    for r in range(2):
        regions.append(area(f"Region {r + 1}", AreaKind.REGION, country, -1.0 + r, 37.0))
        for d in range(2):
            districts.append(area(f"District {r + 1}.{d + 1}", AreaKind.DISTRICT, regions[-1], -1.0 + r, 37.0 + d * 0.2))
            for n in range(5):
                neighbourhoods.append(area(
                    f"Neighbourhood {r + 1}.{d + 1}.{n + 1}", AreaKind.NEIGHBOURHOOD, districts[-1],
                    -1.0 + r + n * 0.01, 37.0 + d * 0.2 + n * 0.01,
                ))
    path_of = {place.pk: [country, region, district, place]
               for region in regions for district in districts if district.parent_id == region.pk
               for place in neighbourhoods if place.parent_id == district.pk}

    owners = user_model.objects.bulk_create(
        [user_model(email=f"bench-owner-{n}@soko.test", display_name=f"Owner {n}", password=unusable) for n in range(40)]
    )
    stores = Store.objects.bulk_create([
        Store(name=f"Bench store {n}", slug=f"bench-store-{n}", phone="+254 700 000 000", currency="KES",
              area=neighbourhoods[n % len(neighbourhoods)], area_label=neighbourhoods[n % len(neighbourhoods)].name)
        for n in range(40)
    ])
    StoreMember.objects.bulk_create(
        [StoreMember(store=store, user=owner, role=StoreMember.Role.OWNER) for store, owner in zip(stores, owners, strict=True)]
    )

    buyer = user_model.objects.create(email="bench-buyer@soko.test", display_name="Bench buyer", password=unusable)
    total = jobs + publish
    dropoffs = [rng.choice(neighbourhoods) for _ in range(total)]
    checkouts = Checkout.objects.bulk_create([
        Checkout(buyer=buyer, payment_method="cod", payment_status=PaymentStatus.ON_DELIVERY, recipient="Bench buyer",
                 phone="+254 712 345 678", area=dropoff, area_label=dropoff.name, street="Bench Road 1",
                 currency="KES", total=Decimal("500.00"))
        for dropoff in dropoffs
    ], batch_size=2000)
    # Open jobs spread evenly over the stores (so the neighbourhoods); the orders to
    # publish rotate over the stores too, so they land in every area in turn.
    orders = Order.objects.bulk_create([
        Order(checkout=checkout, store=stores[n % len(stores)], buyer=buyer, number=f"BJ-{n:06d}",
              status=OrderStatus.READY, delivery_mode=Order.DeliveryMode.DELIVERY, items_total=Decimal("500.00"),
              total=Decimal("500.00"), currency="KES")
        for n, checkout in enumerate(checkouts)
    ], batch_size=2000)

    now = timezone.now()
    board = []
    for n, (order, dropoff) in enumerate(zip(orders[:jobs], dropoffs[:jobs], strict=True)):
        store = stores[n % len(stores)]
        # A plausible fare (the board shows it; nothing here depends on how it is worked out).
        distance = Decimal(f"{rng.uniform(0.5, 12):.2f}")
        board.append(DeliveryJob(
            order=order, store=store, status=DeliveryJob.Status.OPEN, pickup_area=store.area, dropoff_area=dropoff,
            distance_km=distance, rate_per_km=Decimal("30.00"), commission=(distance * 30).quantize(Decimal("1")),
            currency="KES", published_at=now - timedelta(minutes=jobs - n),
        ))
    DeliveryJob.objects.bulk_create(board, batch_size=2000)
    to_publish = orders[jobs:]
    for order in to_publish:
        handover_code_issue(order=order)  # as every placed order has

    people = user_model.objects.bulk_create([
        user_model(email=f"bench-courier-{n}@soko.test", display_name=f"Courier {n}", password=unusable)
        for n in range(couriers)
    ])
    profiles = CourierProfile.objects.bulk_create([
        CourierProfile(user=person, phone="+254 733 000 000", vehicle=CourierProfile.Vehicle.MOTORBIKE,
                       service_area="Bench", status=CourierProfile.Status.APPROVED, reviewed_at=now)
        for person in people
    ])
    # Most couriers serve one neighbourhood, some two; a few a district or a whole region.
    serves = []
    for n in range(couriers):
        share = n / couriers
        if share < 0.80:
            serves.append([neighbourhoods[n % len(neighbourhoods)]])
        elif share < 0.95:
            serves.append(rng.sample(neighbourhoods, 2))
        elif share < 0.99:
            serves.append([districts[n % len(districts)]])
        else:
            serves.append([regions[n % len(regions)]])
    through = CourierProfile.areas.through
    through.objects.bulk_create(
        [through(courierprofile=profile, area=place) for profile, places in zip(profiles, serves, strict=True) for place in places]
    )

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for person in people:
        session = store_class()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "cookies": cookies,
        "serves": [{place.pk for place in places} for places in serves],
        "path_of": {pk: [place.pk for place in path] for pk, path in path_of.items()},
        "to_publish": to_publish,
        "owner_of": {store.pk: owner for store, owner in zip(stores, owners, strict=True)},
        "areas": len(neighbourhoods),
    }


# The sockets (their own process) ---------------------------------------------------------------


def ws_frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (pong, close)."""
    mask = os.urandom(4)
    size = len(payload)
    header = bytes([0x80 | opcode, 0x80 | size]) if size < 126 else bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    return header + mask + bytes(byte ^ mask[n % 4] for n, byte in enumerate(payload))


async def ws_open(port: int, path: str, cookie: str):
    reader, writer = await asyncio.open_connection(HOST, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{HOST}:{port}\r\n"
        f"Cookie: {cookie}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        writer.close()
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    return reader, writer


async def ws_messages(reader, writer, close: dict):
    """The server's messages (its frames are not masked); pings answered. Ends when the
    server closes the socket, with its close code in ``close["code"]``."""
    parts = []
    while True:
        first, second = await reader.readexactly(2)
        opcode, size = first & 0x0F, second & 0x7F
        if size == 126:
            size = int.from_bytes(await reader.readexactly(2), "big")
        elif size == 127:
            size = int.from_bytes(await reader.readexactly(8), "big")
        payload = await reader.readexactly(size)
        if opcode == 0x9:
            writer.write(ws_frame(0xA, payload))
        elif opcode == 0x8:
            close["code"] = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            return
        elif opcode in (0x0, 0x1, 0x2):
            parts.append(payload)
            if first & 0x80:
                yield b"".join(parts)
                parts = []


def socket_clients(port: int, cookies: list[str], events, control) -> None:
    """One socket per courier, in a process of its own so that receiving is timed apart
    from publishing. Sends ("open", refused) once every socket is open or refused, then as
    they happen ("seen", job id, courier, time.monotonic()) for each card and ("ended",
    close code, courier, time) for a socket the server closed, until told to stop."""
    asyncio.run(_socket_clients(port, cookies, events, control))


async def _socket_clients(port, cookies, events, control):
    limit = asyncio.Semaphore(20)  # handshakes at once
    writers, refused, stopping = [], [], False

    async def courier(index: int, cookie: str):
        async with limit:
            try:
                reader, writer = await asyncio.wait_for(ws_open(port, "/ws/jobs/", cookie), 30)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError) as error:
                refused.append((index, repr(error)))
                return
        writers.append(writer)
        close = {"code": "connection lost"}
        try:
            async for message in ws_messages(reader, writer, close):
                now = time.monotonic()
                for job_id in JOB_ID.findall(message.decode(errors="replace")):
                    events.send(("seen", int(job_id), index, now))
        except (OSError, asyncio.IncompleteReadError):
            pass
        if not stopping:
            events.send(("ended", close["code"], index, time.monotonic()))

    tasks = [asyncio.create_task(courier(index, cookie)) for index, cookie in enumerate(cookies)]
    while len(writers) + len(refused) < len(cookies):
        await asyncio.sleep(0.05)
    events.send(("open", refused))
    await asyncio.get_running_loop().run_in_executor(None, control.recv)
    stopping = True
    for writer in writers:
        try:
            writer.write(ws_frame(0x8, (1000).to_bytes(2, "big")))
            writer.close()
        except OSError:
            pass
    await asyncio.wait(tasks, timeout=5)
    events.send(("stopped",))


# Measuring ---------------------------------------------------------------------------------


def wait_for_groups(redis_url: str, expected: dict[str, int], seconds: float = 30) -> None:
    """The board sockets join their area groups just after the handshake: wait until each
    group in channels-redis holds every socket that serves it."""
    import redis
    from django.conf import settings

    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + seconds
    while True:
        short = {group: count for group, count in expected.items() if client.zcard(f"{prefix}:group:{group}") < count}
        if not short:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"board groups still short of sockets: {short}")
        time.sleep(0.1)


def leftovers(redis_url: str) -> tuple[int, int]:
    """After every socket closed: memberships still in socket groups, and users still
    counted as having sockets open (what each socket's disconnect should have removed)."""
    import redis
    from django.conf import settings

    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    client = redis.Redis.from_url(redis_url)
    members = sum(client.zcard(key) for key in client.scan_iter(f"{prefix}:group:*"))
    counted = sum(1 for key in client.scan_iter("*soko:held:sockets:*") if int(client.get(key) or 0) > 0)
    return members, counted


def board_queries(cookie: str) -> int:
    """Queries one board page runs, counted in this process on a second request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    name, key = cookie.split("=", 1)
    client = Client(HTTP_HOST=HOST)
    client.cookies[name] = key
    client.get("/courier/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/courier/")
    return len(queries)


def load_board(port: int, cookies: list[str], *, total: int, clients: int) -> dict:
    """GET /courier/ from ``clients`` threads, request n as courier n."""
    latencies, cards, errors, lock = [], [], [], threading.Lock()
    counter = iter(range(total))

    def client():
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        for n in counter:
            started = time.perf_counter()
            try:
                connection.request("GET", "/courier/", headers={"Host": HOST, "Cookie": cookies[n % len(cookies)]})
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                with lock:
                    errors.append(repr(error))
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                cards.append(body.count(b'data-testid="job-card"'))
                if response.status != 200:
                    errors.append(f"HTTP {response.status}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"latencies": latencies, "rps": len(latencies) / wall, "cards": cards, "errors": errors}


class Inbox:
    """This side of the socket process: the cards it reports, and the sockets that ended."""

    def __init__(self, events, opened: set[int]):
        self.events = events
        self.alive = set(opened)
        self.ended = []  # (courier, close code, time)
        self.stopped = False

    def next_card(self, timeout: float) -> tuple[int, int, float] | None:
        """(job id, courier, time) of the next card seen within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.events.poll(max(0.0, deadline - time.monotonic())):
            message = self.events.recv()
            if message[0] == "seen":
                return message[1:]
            if message[0] == "ended":
                _kind, code, index, moment = message
                self.alive.discard(index)
                self.ended.append((index, code, moment))
            elif message[0] == "stopped":
                self.stopped = True
                return None
        return None


def publish(data: dict, inbox: Inbox, *, wait: float) -> dict:
    """job_create for each order to publish, one at a time; per job, when its card reached
    each open socket of a courier who serves its pickup area or an area above it."""
    from django.db import transaction

    from couriers.services import job_create

    audience_of = {
        pk: {index for index, areas in enumerate(data["serves"]) if areas & set(path)} for pk, path in data["path_of"].items()
    }
    first, last, calls, reached, missed, stray, late = [], [], [], [], [], [], []
    for order in data["to_publish"]:
        while (card := inbox.next_card(0)) is not None:
            late.append(card[:2])
        marks = {}
        started = time.monotonic()
        with transaction.atomic():
            # Runs first among the commit callbacks, before job_create's pushes: the moment
            # the job is on the board.
            transaction.on_commit(lambda marks=marks: marks.setdefault("commit", time.monotonic()))
            job = job_create(order=order, actor=data["owner_of"][order.store_id])
        calls.append((time.monotonic() - started) * 1000)
        audience = audience_of[order.store.area_id]
        seen = {}
        deadline = time.monotonic() + wait
        while (pending := (audience & inbox.alive) - set(seen)) and time.monotonic() < deadline:
            card = inbox.next_card(deadline - time.monotonic())
            if card is None:
                continue
            job_id, index, moment = card
            if job_id != job.pk:
                late.append((job_id, index))
            elif index not in audience:
                stray.append((job_id, index))
            else:
                seen.setdefault(index, moment)
        reached.append(len(seen))
        missed += [(job.pk, index) for index in pending]
        if seen:
            first.append((min(seen.values()) - marks["commit"]) * 1000)
            last.append((max(seen.values()) - marks["commit"]) * 1000)
        while (card := inbox.next_card(0.2)) is not None:  # a card to a courier of another area shows up here
            (stray if card[0] == job.pk else late).append(card[:2])
    return {"first": first, "last": last, "calls": calls, "reached": reached, "missed": missed, "stray": stray, "late": late}


def server_errors(log: str) -> dict[str, tuple[int, str]]:
    """The exceptions in a server's log, by their last line (the last of a chain): how
    many, and the first one whole."""
    errors = {}
    lines = log.splitlines()
    n = 0
    while n < len(lines):
        if not lines[n].startswith("Traceback"):
            n += 1
            continue
        start = end = n
        while True:  # to the exception line, then on through "During handling of the above ..."
            end = next((m for m in range(end + 1, len(lines)) if lines[m] and not lines[m].startswith(" ")), len(lines) - 1)
            chained = next((m for m in range(end + 1, len(lines)) if lines[m].strip()), None)
            if chained is None or not lines[chained].startswith(("During handling", "The above exception")):
                break
            end = next((m for m in range(chained, len(lines)) if lines[m].startswith("Traceback")), len(lines) - 1)
        count, text = errors.get(lines[end], (0, "\n".join(lines[start:end + 1])))
        errors[lines[end]] = (count + 1, text)
        n = end + 1
    return errors


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the benchmark's own Redis database
    ensure_database(url, recreate=True)
    # This process publishes through the same channel layer as the servers (channels-redis),
    # and signs the couriers' sessions with the servers' key.
    os.environ.update(REDIS_URL=redis_url, SECRET_KEY=SECRET_KEY)
    django_setup(url)
    # The pushed card is rendered without a request, so without a token of its own; the
    # board's htmx sends the page's token with every post (templates/base.html).
    warnings.filterwarnings("ignore", message=r"A \{% csrf_token %\} was used in a template")
    from django.core.management import call_command
    from django.db import connections

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    data = seed(jobs=args.jobs, couriers=args.couriers, publish=args.publish, rng=rng)
    print(f"seeded {args.jobs} open jobs in {data['areas']} neighbourhoods, {args.couriers} couriers and "
          f"{args.publish} orders to publish in {time.monotonic() - started:.1f} s")
    queries = board_queries(data["cookies"][0])
    connections.close_all()

    spawn = multiprocessing.get_context("spawn")
    events, events_to_us = spawn.Pipe(duplex=False)  # (receiving end, sending end)
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
                print(f"gunicorn × {args.workers} on :{web_port} (pages), daphne on :{ws_port} (sockets), DEBUG=0, "
                      f"channels-redis; {os.cpu_count()} CPUs, load average {load_before[0]:.2f}")
                sockets = spawn.Process(target=socket_clients, args=(ws_port, data["cookies"], events_to_us, control_from_us))
                sockets.start()
                opening = time.monotonic()
                _kind, refused = events.recv()
                inbox = Inbox(events, set(range(args.couriers)) - {index for index, _error in refused})
                opened = len(inbox.alive)
                expected = {}
                for index in inbox.alive:
                    for area_id in data["serves"][index]:
                        expected[f"jobs.{area_id}"] = expected.get(f"jobs.{area_id}", 0) + 1
                wait_for_groups(redis_url, expected)
                print(f"{opened} sockets open and in their board groups in {time.monotonic() - opening:.1f} s"
                      + (f"; {len(refused)} refused: {refused[:3]}" if refused else ""))

                load_board(web_port, data["cookies"], total=20, clients=args.clients)  # warm up every worker
                board = load_board(web_port, data["cookies"], total=args.requests, clients=args.clients)
                alive_after_board = len(inbox.alive)
                pushed = publish(data, inbox, wait=args.wait)
                daphne_rss = rss_mib(ws.pid)
                load_after = os.getloadavg()
                seconds = time.monotonic() - opening
                control.send("stop")
                while not inbox.stopped and inbox.next_card(10) is not None:  # until the socket process stopped
                    pass
                sockets.join(10)
                time.sleep(2)  # daphne runs each socket's disconnect
                stale_members, stale_counts = leftovers(redis_url)
            finally:
                if sockets is not None and sockets.is_alive():
                    sockets.terminate()
                stop_server(ws)
                ws_text = ws_log.read_text(errors="replace")
        finally:
            stop_server(web)
            web_text = web_log.read_text(errors="replace")

    latencies = board["latencies"]
    print()
    print(f"Board, GET /courier/: {args.clients} clients, request n as courier n of {args.couriers}, "
          f"{alive_after_board} of {opened} sockets still open at the end")
    print()
    print("| requests |  req/s | p50 ms | p95 ms | max ms | queries | cards/page | errors |")
    print("|---------:|-------:|-------:|-------:|-------:|--------:|-----------:|-------:|")
    print(f"| {len(latencies):>8} | {board['rps']:>6.1f} | {statistics.median(latencies):>6.1f} | {percentile(latencies, 0.95):>6.1f} | "
          f"{max(latencies):>6.1f} | {queries:>7} | {statistics.mean(board['cards']):>10.1f} | {len(board['errors']):>6} |")
    print()
    reached = pushed["reached"]
    print(f"Published one at a time with job_create: {len(reached)} jobs, each seen by {min(reached)}–{max(reached)} "
          f"sockets (mean {statistics.mean(reached):.1f}); job_create p50 {statistics.median(pushed['calls']):.1f} ms, "
          f"p95 {percentile(pushed['calls'], 0.95):.1f} ms")
    print()
    print("| commit → card seen by         | jobs | p50 ms | p95 ms | max ms |")
    print("|-------------------------------|-----:|-------:|-------:|-------:|")
    for name, values in (("the first courier of the area", pushed["first"]), ("every courier of the area", pushed["last"])):
        print(f"| {name:<29} | {len(values):>4} | {statistics.median(values):>6.1f} | {percentile(values, 0.95):>6.1f} | {max(values):>6.1f} |")
    print()
    codes = {}
    for _index, code, _moment in inbox.ended:
        codes[code] = codes.get(code, 0) + 1
    print(f"missed cards: {len(pushed['missed'])}; cards to couriers of other areas: {len(pushed['stray'])}; "
          f"late cards: {len(pushed['late'])}; sockets the server closed in {seconds:.0f} s: {len(inbox.ended)}"
          + (f" (close codes {codes})" if codes else ""))
    print(f"after every socket closed: {stale_members} memberships left in socket groups, "
          f"{stale_counts} couriers still counted as having a socket open")
    logged = {name: server_errors(text) for name, text in (("gunicorn", web_text), ("daphne", ws_text))}
    for name, errors in logged.items():
        for error, (count, _text) in errors.items():
            print(f"{name} log: {count} × {error}")
    print(f"daphne RSS with {opened} sockets: {daphne_rss:.0f} MiB; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if board["errors"] or pushed["missed"] or pushed["stray"] or inbox.ended or refused or stale_members or stale_counts:
        print(f"FAILED: board errors {board['errors'][:5]}; missed {pushed['missed'][:5]}; stray {pushed['stray'][:5]}; "
              f"sockets closed {inbox.ended[:5]}; refused {refused[:5]}")
        for name, errors in logged.items():
            for _count, text in errors.values():
                print(f"\n--- {name}, the first of its kind:\n" + "\n".join(text.splitlines()[-40:]))
        sys.exit(1)


if __name__ == "__main__":
    main()
