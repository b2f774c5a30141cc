"""Chat messages benchmark: 200 people in 100 conversations, each with their conversation's
page open (its socket connected), sending messages to each other over HTTP, on PostgreSQL
and channels-redis, in the production setup.

    .venv/bin/python bench/chat.py                         # 20 messages a second for 30 s
    .venv/bin/python bench/chat.py --rate 30 --workers 4
    .venv/bin/python bench/chat.py --rate 10 --reads off   # without the pages' read receipts
    .venv/bin/python bench/chat.py --reads post            # reads as POSTs, as pages whose socket is shut send them
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_chat (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (the default; flushed at the start)

What it does:
1. recreates the database, migrates it and seeds with bulk_create ``--conversations``
   (100) stores with one member each (the owner), one product each, and as many shoppers,
   shopper n in one conversation with store n about its product, ``--history`` (20)
   earlier messages in each, everything read. A store's side of a conversation is every
   member of the store: one member per store is what makes each conversation exactly two
   connected people, one shopper and one store member (with 10 members a store, every
   message would go to 11 people). The people's languages go in turn through LANGUAGES,
   the two sides of a conversation in different ones; each is signed in with a session made
   directly;
2. starts the production setup with DEBUG off: gunicorn (site_config/gunicorn.py, one
   worker per core) for pages and one daphne process for the sockets, meeting in
   channels-redis, the cache in Redis, no Huey worker. The servers get
   SOKO_CHAT_MESSAGES_PER_MINUTE=10000 (the limit is still checked on every message, it
   just never refuses one), so any ``--rate`` can be asked for;
3. every person loads their conversation's page (its CSRF cookie; the page marks the
   conversation read), then opens its socket, /ws/chat/<id>/, in a small asyncio client
   in a process of its own; the run starts once every chat.<id> group holds both people
   and every user.<id> group its person;
4. ``--senders`` threads (8), each with its own HTTP connection, post messages as the
   conversation page's composer does with htmx (POST /messages/<id>/send/, ``text``,
   ``HX-Request``; a message sent is answered 204), each message from the next person
   of a shuffled round of all 200, at ``--rate`` messages a second between them (Poisson
   arrivals, or evenly spaced with ``--even``): ``--warmup`` seconds (not measured), then
   ``--seconds``. A message that no sender was free to start until 5 s after the end of
   its phase is left out and counted. Each text carries its own number, ``(msg N)``;
5. after each commit the message is pushed to both people through their user.<id> groups:
   an htmx out-of-band fragment ``<div hx-swap-oob="beforeend:#chat-<id>-messages">
   <article id="chat-msg-<pk>" data-seq="N" ...>``, their inbox row and their unread badge.
   The socket process notes when each socket received each message (its number and
   ``data-seq``). A message is **delivered** when the other person's socket has it; times
   run from just before the POST to that moment, and to the sender's own socket;
6. with ``--reads page`` (the default) each socket does what the conversation page's
   script does when the other person's message lands: 400 ms later (debounced) it says
   ``{"read": 1}`` over the socket, which for the reader of a new message pushes their
   badge and the read state to the sender. ``--reads post`` posts /messages/<id>/read/
   instead, as a page whose socket is shut does; ``--reads off`` leaves that load out;
7. prints delivered messages/s, p50/p95/max of send → the other's socket, send → own
   socket and of the HTTP requests, the CPU the servers, PostgreSQL, Redis and the clients
   used, and, measured in this process after the run on one conversation, what a message
   costs in the gunicorn worker: the send request split into its parts, the push per
   recipient (rendering, the unread-count query, group_send) and per language, and the
   read, over the socket and as a request. Once no push has arrived for a second (a push reaching a socket as it
   closes can keep the consumer from running its disconnect) it closes every socket, and
   checks the messages in the database. It exits non-zero when a send or read request
   failed, a message was lost (not received by the other person's or the sender's socket
   within ``--wait`` seconds), reached a socket of another conversation or was stored
   with another sequence number than the one pushed, the server closed or refused a
   socket, or a closed socket left a group membership, a socket count or a presence mark
   behind in Redis.
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
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bids import cpu_seconds, csrf_token, machine_busy, session_cookie  # noqa: E402
from catalog import HOST, django_setup, ensure_database, rss_mib, serving_processes, start_server, stop_server  # noqa: E402
from jobs import leftovers, percentile, server_errors, wait_for_groups, ws_frame, ws_messages, ws_open  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench_chat"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
SECRET_KEY = "bench-" + "x" * 60  # what start_server gives the servers: sessions made here must verify there
ZONES = ["Africa/Nairobi", "Africa/Conakry", "Europe/Paris", "Asia/Karachi", "Africa/Lagos"]
TEXTS = [
    "Habari! Is the blue one still available?",
    "Yes, we have it in M and L. Which one would you like?",
    "M please. Can you deliver to Westlands tomorrow?",
    "Sure, delivery is 200 KES, before noon.",
    "Asante sana, I will order now.",
    "Could you send another picture of the back?",
]
NUMBER = re.compile(r"\(msg (\d+)\)")
LATE_LIMIT = 5  # seconds past the end of a phase after which a message not yet sent is left out
READ_DELAY = 0.4  # chat.js: a page marks the conversation read 400 ms after the last message landed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100, help="conversations, two connected people each (default 100)")
    parser.add_argument("--history", type=int, default=20, help="earlier messages in each conversation (default 20)")
    parser.add_argument("--rate", type=float, default=20, help="messages a second between everyone (default 20)")
    parser.add_argument("--even", action="store_true", help="evenly spaced messages instead of Poisson arrivals")
    parser.add_argument("--seconds", type=float, default=30, help="measured sending time (default 30)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of sending first, not measured (default 5)")
    parser.add_argument("--senders", type=int, default=8, help="sending threads, one HTTP connection each (default 8)")
    parser.add_argument("--reads", choices=["page", "post", "off"], default="page",
                        help="page: each socket says it read over the socket 400 ms after the other person's message lands, as the page does (default); "
                             "post: it posts /read/ instead, as a page whose socket is shut; off: no reads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: one per core)")
    parser.add_argument("--wait", type=float, default=10, help="seconds after the last send a message may take before it counts as lost")
    parser.add_argument("--breakdown", type=int, default=30, help="messages sent in this process after the run to split a message's cost (default 30; 0: none)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.conversations < 1 or args.rate <= 0 or args.senders < 1:
        parser.error("--conversations, --rate and --senders must be positive")
    return args


# Seeding -------------------------------------------------------------------------------------


def seed(*, conversations: int, history: int) -> list[dict]:
    """Stores with one member each, a product each, shoppers and their conversations with
    ``history`` earlier messages, all read. Returns the people, shopper of conversation n
    at 2n and its store's member at 2n + 1: their conversation, side and session cookie."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from sellers.models import Store, StoreMember
    from shop.catalog.models import Category, Product, Variant
    from shop.chat.models import Conversation, Message, Side

    user_model = get_user_model()
    unusable = make_password(None)  # no password hashing: these people sign in by session only
    languages = [code for code, _name in settings.LANGUAGES]
    now = timezone.now()
    sellers = user_model.objects.bulk_create([
        user_model(email=f"bench-seller-{n}@soko.test", display_name=f"Seller {n}", password=unusable,
                   language=languages[n % len(languages)], time_zone=ZONES[n % len(ZONES)])
        for n in range(conversations)
    ])
    shoppers = user_model.objects.bulk_create([
        user_model(email=f"bench-shopper-{n}@soko.test", display_name=f"Shopper {n}", password=unusable,
                   language=languages[(n + 1) % len(languages)], time_zone=ZONES[(n + 2) % len(ZONES)])
        for n in range(conversations)
    ])
    stores = Store.objects.bulk_create([
        Store(name=f"Bench store {n}", slug=f"bench-chat-store-{n}", phone="+254 700 000 000", currency="KES")
        for n in range(conversations)
    ])
    StoreMember.objects.bulk_create(
        [StoreMember(store=store, user=seller, role=StoreMember.Role.OWNER) for store, seller in zip(stores, sellers, strict=True)]
    )
    category = Category.objects.filter(parent__isnull=False).first() or Category.objects.create(name="Bench", slug="bench")
    products = Product.objects.bulk_create([
        Product(store=store, category=category, title=f"Blue kanga {n}", slug=f"bench-chat-kanga-{n}",
                description="Cotton kanga, 110 × 160 cm.", status=Product.Status.ACTIVE, published_at=now,
                min_price=Decimal("450.00"), in_stock=True)
        for n, store in enumerate(stores)
    ])
    Variant.objects.bulk_create([Variant(product=product, name="Standard", price=Decimal("450.00"), stock=20) for product in products])
    chats = Conversation.objects.bulk_create([
        Conversation(kind=Conversation.Kind.STORE, buyer=shopper, store=store, product=product, seq=history,
                     last_message_at=now if history else None, last_preview=TEXTS[(history - 1) % len(TEXTS)] if history else "",
                     buyer_read_seq=history, team_read_seq=history, buyer_seen_at=now, team_seen_at=now)
        for shopper, store, product in zip(shoppers, stores, products, strict=True)
    ])
    Message.objects.bulk_create([
        Message(conversation=chat, seq=seq, sender=shopper if seq % 2 else seller, side=Side.BUYER if seq % 2 else Side.TEAM,
                text=TEXTS[(seq - 1) % len(TEXTS)])
        for chat, shopper, seller in zip(chats, shoppers, sellers, strict=True)
        for seq in range(1, history + 1)
    ], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    people = []
    for chat, shopper, seller in zip(chats, shoppers, sellers, strict=True):
        people.append({"conversation": chat.pk, "user": shopper.pk, "side": "buyer", "cookie": session_cookie(shopper)})
        people.append({"conversation": chat.pk, "user": seller.pk, "side": "team", "cookie": session_cookie(seller)})
    return people


# The pages' sockets (their own process) ---------------------------------------------------------


def page_clients(web_port: int, ws_port: int, people: list[dict], reads: str, events, control) -> None:
    """One socket per person at /ws/chat/<their conversation>/, in a process of its own so
    that receiving is timed apart from sending. Sends ("open", refused) once every socket
    is open or refused; answers "count" with ("count", message fragments received); on
    "stop" waits for the reads under way, closes the sockets and sends ("done", per socket
    [(number, seq, conversation, time.monotonic())], per socket the number of pushes
    without a message, reads [(socket, status or "socket", sent, answered)], [(socket, close code,
    time)] of the sockets the server closed)."""
    asyncio.run(_page_clients(web_port, ws_port, people, reads, events, control))


async def _post(port: int, path: str, cookie: str, csrf: str) -> int:
    """One POST with no body, as the page's fetch() sends it; the answer's status."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nOrigin: http://{HOST}:{port}\r\nCookie: {cookie}\r\n"
            f"X-CSRFToken: {csrf}\r\nHX-Request: true\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        await reader.read()  # gunicorn's sync workers close after each answer
        return int(head.split(b" ", 2)[1])
    finally:
        writer.close()


async def _page_clients(web_port, ws_port, people, reads, events, control):
    article = re.compile(r'beforeend:#chat-(\d+)-messages">\s*<article id="chat-msg-\d+"[^>]*?\bdata-seq="(\d+)"')
    limit = asyncio.Semaphore(20)  # handshakes at once
    writers, refused, ended, stopping = {}, [], [], False
    seen = [[] for _ in people]
    other = [0 for _ in people]
    received, last_push = [0], [0.0]
    read_log, read_timers, read_tasks = [], {}, set()

    async def read(index: int):
        await asyncio.sleep(READ_DELAY)
        person = people[index]
        sent = time.monotonic()
        if reads == "page":
            writer = writers.get(index)
            if writer is not None:
                writer.write(ws_frame(0x1, b'{"read": 1}'))
                read_log.append((index, "socket", sent, sent))
            return
        try:
            status = await _post(web_port, f"/messages/{person['conversation']}/read/", person["read_cookie"], person["csrf"])
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
            status = repr(error)
        read_log.append((index, status, sent, time.monotonic()))

    def mark_read(index: int):
        timer = read_timers.get(index)
        if timer is not None and not timer.done():
            timer.cancel()  # debounced, as the page's markRead
        task = asyncio.create_task(read(index))
        read_timers[index] = task
        read_tasks.add(task)
        task.add_done_callback(read_tasks.discard)

    async def page(index: int, person: dict):
        async with limit:
            try:
                reader, writer = await asyncio.wait_for(
                    ws_open(ws_port, f"/ws/chat/{person['conversation']}/", person["cookie"]), 30
                )
            except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError) as error:
                refused.append((index, repr(error)))
                return
        writers[index] = writer
        close = {"code": "connection lost"}
        try:
            async for message in ws_messages(reader, writer, close):
                now = last_push[0] = time.monotonic()
                text = message.decode(errors="replace")
                found = 0
                for match in article.finditer(text):
                    end = text.find("</article>", match.end())
                    number = NUMBER.search(text, match.end(), end if end >= 0 else len(text))
                    seen[index].append((int(number.group(1)) if number else 0, int(match.group(2)), int(match.group(1)), now))
                    found += 1
                if found:
                    received[0] += found
                    # The page marks read what the other person wrote (chat.js).
                    if reads != "off" and not stopping and "chat-theirs" in text:
                        mark_read(index)
                else:
                    other[index] += 1  # read state, a badge alone
        except (OSError, asyncio.IncompleteReadError):
            pass
        if not stopping:
            writers.pop(index, None)
            ended.append((index, close["code"], time.monotonic()))

    tasks = [asyncio.create_task(page(index, person)) for index, person in enumerate(people)]
    while len(writers) + len(refused) < len(people):
        await asyncio.sleep(0.05)
    events.send(("open", refused))
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, control.recv) == "count":
        events.send(("count", received[0]))
    stopping = True
    if read_tasks:
        await asyncio.wait(set(read_tasks), timeout=10)
    quiet_from = time.monotonic() + 10
    while time.monotonic() - last_push[0] < 1 and time.monotonic() < quiet_from:
        await asyncio.sleep(0.1)  # what the last reads pushed has landed: close no socket while a push is on its way
    for writer in writers.values():
        try:
            writer.write(ws_frame(0x8, (1000).to_bytes(2, "big")))
            writer.close()
        except OSError:
            pass
    await asyncio.wait(tasks, timeout=5)
    events.send(("done", seen, other, read_log, ended))


def ask_count(events, control) -> int:
    control.send("count")
    while True:
        message = events.recv()
        if message[0] == "count":
            return message[1]


# Sending -------------------------------------------------------------------------------------


class Numbers:
    """Each message's own number, across the warm-up and the measured run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.next = 0

    def take(self) -> int:
        with self.lock:
            self.next += 1
            return self.next


def send_phase(port: int, people: list[dict], numbers: Numbers, *, seconds: float, rate: float, even: bool, senders: int,
               rng: random.Random) -> dict:
    """Messages at ``rate`` a second between everyone for ``seconds``, each from the next
    person of a shuffled round of all of them, posted by ``senders`` threads. Returns each
    message as (number, person, due, sent, answered, status) in time.monotonic()."""
    from django.conf import settings

    arrivals, moment = [], 0.0
    order = []
    while True:
        moment += 1 / rate if even else rng.expovariate(rate)
        if moment >= seconds:
            break
        if not order:
            order = list(range(len(people)))
            rng.shuffle(order)
        arrivals.append((moment, order.pop()))
    lock = threading.Lock()
    queue = iter(arrivals)
    sent_messages, errors, skipped = [], [], []
    started = time.monotonic()

    def sender():
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            offset, index = item
            due = started + offset
            if time.monotonic() > started + seconds + LATE_LIMIT:
                with lock:
                    skipped.append(index)  # every sender was busy until the run was over
                continue
            time.sleep(max(0.0, due - time.monotonic()))
            person = people[index]
            number = numbers.take()
            conversation = person["conversation"]
            body = urlencode({"text": f"{TEXTS[number % len(TEXTS)]} (msg {number})"})
            headers = {
                "Host": f"{HOST}:{port}", "Origin": f"http://{HOST}:{port}",
                "Cookie": f"{person['cookie']}; {settings.CSRF_COOKIE_NAME}={person['csrf']}",
                "X-CSRFToken": person["csrf"], "HX-Request": "true", "HX-Target": "chat-composer",
                "HX-Current-URL": f"http://{HOST}:{port}/messages/{conversation}/",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            sent = time.monotonic()
            try:
                connection.request("POST", f"/messages/{conversation}/send/", body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode(errors="replace")
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                with lock:
                    errors.append(f"msg {number}: {error!r}")
                    sent_messages.append((number, index, due, sent, time.monotonic(), repr(error)))
                continue
            answered = time.monotonic()
            ok = response.status == 204
            with lock:
                sent_messages.append((number, index, due, sent, answered, response.status if ok else f"HTTP {response.status}"))
                if not ok:
                    errors.append(f"msg {number}: HTTP {response.status} {text[:300]!r}")
        connection.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"messages": sent_messages, "errors": errors, "wall": time.monotonic() - started, "asked": len(arrivals),
            "skipped": len(skipped)}


def load_pages(port: int, people: list[dict], threads: int = 4) -> None:
    """Each person opens their conversation's page: the CSRF cookie it sets (the page also
    marks the conversation read)."""
    from django.conf import settings

    queue = iter(people)
    lock = threading.Lock()
    failures = []

    def opener():
        while True:
            with lock:
                person = next(queue, None)
            if person is None:
                return
            try:
                person["csrf"] = csrf_token(port, f"/messages/{person['conversation']}/", person["cookie"])
            except (OSError, RuntimeError, http.client.HTTPException) as error:
                failures.append(repr(error))
                continue
            person["read_cookie"] = f"{person['cookie']}; {settings.CSRF_COOKIE_NAME}={person['csrf']}"

    workers = [threading.Thread(target=opener) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise RuntimeError(f"{len(failures)} conversation pages failed, the first: {failures[0]}")


# Measuring ---------------------------------------------------------------------------------


def database_backends(url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (the servers' connections)."""
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [parts.path.lstrip("/")]
        ).fetchall()
    return [row[0] for row in rows]


def redis_pid(redis_url: str) -> int | None:
    import redis

    pid = redis.Redis.from_url(redis_url).info("server").get("process_id")
    return int(pid) if pid and Path(f"/proc/{pid}").exists() else None


class CpuWatch:
    """The CPU each group of processes used between start() and stop(), sampled every
    half second in a thread, so that a process that comes later (a replaced gunicorn
    worker, a new database connection) counts from its start, and one that ends counts
    up to its last sample."""

    def __init__(self, groups: dict):
        self.groups = groups  # name -> a function giving the pids now
        self.first: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.last: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.done = threading.Event()

    def sample(self, *, starting: bool = False) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                used = cpu_seconds([pid])
                if not used and not Path(f"/proc/{pid}").exists():
                    continue
                self.first[name].setdefault(pid, used if starting else 0.0)
                self.last[name][pid] = used

    def start(self) -> None:
        self.sample(starting=True)
        self.started = time.monotonic()

        def watch():
            while not self.done.wait(0.5):
                self.sample()

        self.thread = threading.Thread(target=watch, daemon=True)
        self.thread.start()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.thread.join()
        self.sample()
        self.seconds = time.monotonic() - self.started
        return {name: sum(self.last[name][pid] - self.first[name][pid] for pid in self.last[name]) for name in self.groups}

    def processes(self, name: str) -> int:
        return len(self.last[name])


class Meter:
    """Wall time, CPU time of this process (group_send runs its event loop in another
    thread), queries and the time spent in database calls (round trips, PostgreSQL's work
    and the driver's), of the code inside, per name, over many runs."""

    def __init__(self):
        self.runs: dict[str, list[tuple[float, float, int, float]]] = {}

    def __call__(self, name: str):
        return _Measure(self, name)

    def median(self, name: str) -> tuple[float, ...]:
        runs = self.runs.get(name) or [(0.0, 0.0, 0, 0.0)]
        return tuple(statistics.median(run[n] for run in runs) for n in range(4))


class _Measure:
    def __init__(self, meter: Meter, name: str):
        self.meter, self.name = meter, name

    def _wrapper(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.database += time.perf_counter() - started

    def __enter__(self):
        from django.db import connection

        self.queries, self.database = 0, 0.0
        self.wrapped = connection.execute_wrapper(self._wrapper)
        self.wrapped.__enter__()
        self.started, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        elapsed, cpu = time.perf_counter() - self.started, time.process_time() - self.cpu
        self.wrapped.__exit__(*exc)
        self.meter.runs.setdefault(self.name, []).append((elapsed * 1000, cpu * 1000, self.queries, self.database * 1000))


def message_cost(person: dict, member: dict, times: int) -> tuple[Meter, dict]:
    """What one message costs in a web worker, in this process (DEBUG off, the sockets
    closed, both people marked present as while their pages were open): the send request
    and its parts, the push per recipient and per language, and the other person's read."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.template.loader import render_to_string
    from django.test import Client
    from django.utils import translation

    from shop.chat.consumers import _read as read_over_socket
    from shop.chat.models import Conversation, Side
    from shop.chat.selectors import (
        PUSHED_WITH,
        conversation_for_user,
        conversation_people,
        message_with_parts,
        unread_total,
    )
    from shop.chat.services import conversations as services
    from shop.core.selectors.i18n import recipient_language, speaking_to
    from shop.core.services.realtime import group_send, user_group

    users = get_user_model().objects.in_bulk([person["user"], member["user"]])
    shopper, seller = users[person["user"]], users[member["user"]]
    conversation_id = person["conversation"]
    for user in (shopper, seller):
        services.presence_set(conversation_id=conversation_id, user_id=user.pk, here=True)

    def client_for(someone: dict) -> Client:
        client = Client(HTTP_HOST=HOST)
        name, key = someone["cookie"].split("=", 1)
        client.cookies[name] = key
        return client

    shopper_client, seller_client = client_for(person), client_for(member)
    meter = Meter()
    send_url, read_url = f"/messages/{conversation_id}/send/", f"/messages/{conversation_id}/read/"
    languages = [code for code, _name in settings.LANGUAGES]
    statuses = set()
    for n in range(times + 3):
        measured = Meter() if n < 3 else meter  # the first runs fill the template, translation and connection caches
        # The whole send request, as the page's composer posts it, and the reader's read after it.
        with measured("send request (htmx), whole"):
            answer = shopper_client.post(send_url, {"text": f"{TEXTS[n % len(TEXTS)]} (cost {n})"}, HTTP_HX_REQUEST="true")
        statuses.add(answer.status_code)
        with measured("read over the socket by the other person (the consumer's work)"):
            read_over_socket(seller, conversation_id)
        shopper_client.post(send_url, {"text": f"{TEXTS[n % len(TEXTS)]} (cost {n}, again)"}, HTTP_HX_REQUEST="true")
        with measured("read request by the other person, whole (a page whose socket is shut)"):
            answer = seller_client.post(read_url, HTTP_HX_REQUEST="true")
        statuses.add(answer.status_code)
        # Its parts.
        with measured("the person and the conversation, as a send reads them (conversation_for_user)"):
            viewer = conversation_for_user(user=shopper, pk=conversation_id, for_writing=True, related=PUSHED_WITH)
        with measured("message_send, whole (with the push after commit)"):
            message = services.message_send(conversation=viewer.conversation, user=shopper, text=f"{TEXTS[0]} (cost {n})")
        shown = services._shown_as_sent(viewer.conversation, viewer.conversation, message)
        with measured("the push alone (_push_message, after commit), a text message"), transaction.atomic():
            services._push_message(conversation=viewer.conversation, message_id=message.pk, shown=shown)
        # The push, piece by piece, as _push_message's send() does it.
        with measured("push: the message and the conversation read again (a picture, a card, an offer)"):
            pushed = message_with_parts(pk=message.pk)
            fresh = Conversation.objects.select_related(*PUSHED_WITH).get(pk=conversation_id)
        with measured("push: who reads it, both sides (conversation_people)"):
            people = conversation_people(conversation=fresh)
        for reader in people:
            with measured("push, per recipient: message and inbox row rendered"), speaking_to(reader):
                html = render_to_string("chat/_push.html", {**services._viewer_context(fresh, reader.chat_side), "messages": [pushed], "replace": False})
            with measured("push, per recipient: unread count (unread_total)"):
                count = unread_total(user=reader)
            with measured("push, per recipient: badge rendered"), speaking_to(reader):
                badge = render_to_string("chat/_badge.html", {"chat_unread": count, "oob": True})
            with measured("push, per recipient: group_send"):
                group_send(user_group(reader.pk) + "-bench-nobody", {"type": "html.push", "html": html + badge})
        for code in languages:
            with measured(f"push: message and row rendered in {code}"), translation.override(code):
                render_to_string("chat/_push.html", {**services._viewer_context(fresh, Side.TEAM), "messages": [pushed], "replace": False})
        measured.runs.setdefault("recipients", []).append((len(people), 0.0, 0, 0.0))
    for user in (shopper, seller):
        services.presence_set(conversation_id=conversation_id, user_id=user.pk, here=False)
    return meter, {"statuses": statuses, "languages": {recipient_language(u) for u in (shopper, seller)}}


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if {urlsplit(url).hostname, urlsplit(redis_url).hostname} - {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local database and Redis.")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the benchmark's own Redis database
    ensure_database(url, recreate=True)
    with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
        (Path(tmp) / "web").mkdir()
        (Path(tmp) / "ws").mkdir()
        # This process signs the sessions with the servers' key and, after the run, sends
        # messages itself as the servers do (DEBUG off, the same Redis, the static files
        # the web server collected); the servers inherit the message limit.
        os.environ.update(
            REDIS_URL=redis_url, SECRET_KEY=SECRET_KEY, DEBUG="0", ALLOWED_HOSTS=HOST, SECURE_SSL_REDIRECT="0",
            SOKO_SITE_URL=f"http://{HOST}",
            STATIC_ROOT=str(Path(tmp) / "web" / "static"), LOG_LEVEL="WARNING",
            SOKO_CHAT_MESSAGES_PER_MINUTE=os.environ.get("SOKO_CHAT_MESSAGES_PER_MINUTE", "10000"),
        )
        django_setup(url)
        warnings.filterwarnings("ignore", message=r"A \{% csrf_token %\} was used in a template")
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        from shop.chat.models import Message

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        people = seed(conversations=args.conversations, history=args.history)
        print(f"seeded {args.conversations} conversations ({args.conversations} stores of one member, {args.conversations} "
              f"shoppers, {args.history} earlier messages each) in {time.monotonic() - started:.1f} s")
        connections.close_all()
        rng = random.Random(args.seed)
        numbers = Numbers()

        spawn = multiprocessing.get_context("spawn")
        events, events_to_us = spawn.Pipe(duplex=False)
        control_from_us, control = spawn.Pipe(duplex=False)
        web, web_port, web_log = start_server(url, redis_url, Path(tmp) / "web", kind="gunicorn", workers=args.workers, page_cache=False)
        sockets = None
        try:
            ws, ws_port, ws_log = start_server(url, redis_url, Path(tmp) / "ws", kind="daphne", workers=1, page_cache=False)
            try:
                load_before = os.getloadavg()
                print(f"gunicorn × {args.workers} on :{web_port} (pages, sends, reads), daphne on :{ws_port} (sockets), DEBUG=0, "
                      f"channels-redis, SOKO_CHAT_MESSAGES_PER_MINUTE={settings.SOKO_CHAT_MESSAGES_PER_MINUTE}; "
                      f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f}")
                opening = time.monotonic()
                load_pages(web_port, people)
                print(f"{len(people)} conversation pages loaded in {time.monotonic() - opening:.1f} s")
                sockets = spawn.Process(target=page_clients, args=(web_port, ws_port, people, args.reads, events_to_us, control_from_us))
                sockets.start()
                opening = time.monotonic()
                _kind, refused = events.recv()
                refused_indexes = {index for index, _error in refused}
                expected = {}
                for index, person in enumerate(people):
                    if index not in refused_indexes:
                        expected[f"chat.{person['conversation']}"] = expected.get(f"chat.{person['conversation']}", 0) + 1
                        expected[f"user.{person['user']}"] = 1
                wait_for_groups(redis_url, expected)
                print(f"{len(people) - len(refused)} sockets open and in their groups in {time.monotonic() - opening:.1f} s"
                      + (f"; {len(refused)} refused: {refused[:3]}" if refused else ""))

                warm = send_phase(web_port, people, numbers, seconds=args.warmup, rate=args.rate, even=args.even,
                                  senders=args.senders, rng=rng)
                deadline = time.monotonic() + args.wait
                warm_ok = sum(1 for m in warm["messages"] if isinstance(m[5], int))
                while ask_count(events, control) < 2 * warm_ok and time.monotonic() < deadline:
                    time.sleep(0.2)  # every warm-up message landed before the measured run
                redis_server = redis_pid(redis_url)
                watch = CpuWatch({
                    "gunicorn": lambda: serving_processes(web), "daphne": lambda: [ws.pid], "postgres": lambda: database_backends(url),
                    **({"redis-server": lambda: [redis_server]} if redis_server else {}),
                    "senders (this process)": lambda: [os.getpid()], "sockets and reads": lambda: [sockets.pid],
                })
                watch.start()
                machine_before = machine_busy()
                run = send_phase(web_port, people, numbers, seconds=args.seconds, rate=args.rate, even=args.even,
                                 senders=args.senders, rng=rng)
                machine_after = machine_busy()
                used = watch.stop()
                ok_total = warm_ok + sum(1 for m in run["messages"] if isinstance(m[5], int))
                deadline = time.monotonic() + args.wait
                while ask_count(events, control) < 2 * ok_total and time.monotonic() < deadline:
                    time.sleep(0.2)
                daphne_rss = rss_mib(ws.pid)
                load_after = os.getloadavg()
                control.send("stop")
                _kind, seen, others, reads, ended = events.recv()
                sockets.join(10)
                closing = time.monotonic()
                while True:  # daphne runs each socket's disconnect
                    stale_members, stale_counts = leftovers(redis_url)
                    stale_presence = sum(1 for _key in redis.Redis.from_url(redis_url).scan_iter("*soko:chat:here:*"))
                    if not (stale_members or stale_counts or stale_presence) or time.monotonic() - closing > 30:
                        break
                    time.sleep(0.5)
                emptied = time.monotonic() - closing
                stored = {}
                for text, seq, conversation_id in Message.objects.filter(text__contains="(msg ").values_list("text", "seq", "conversation_id"):
                    found = NUMBER.search(text)
                    stored.setdefault(int(found.group(1)), []).append((seq, conversation_id))
                connections.close_all()
            finally:
                if sockets is not None and sockets.is_alive():
                    sockets.terminate()
                stop_server(ws)
                ws_text = ws_log.read_text(errors="replace")
        finally:
            stop_server(web)
            web_text = web_log.read_text(errors="replace")
        cost = message_cost(people[0], people[1], args.breakdown) if args.breakdown else None
        connections.close_all()

    # Per message: when each socket had it.
    closed = {index for index, _code, _moment in ended}
    received = [{} for _ in people]
    stray, duplicates, gaps, wrong_seq = [], 0, 0, []
    for index, marks in enumerate(seen):
        shown = args.history  # what the page showed when it loaded
        for number, seq, conversation_id, moment in sorted(marks, key=lambda mark: mark[3]):
            if conversation_id != people[index]["conversation"]:
                stray.append((index, number))
                continue
            if number in received[index]:
                duplicates += 1
                continue
            received[index][number] = (seq, moment)
            if seq > shown + 1:
                gaps += 1  # the page would fetch /since/
            shown = max(shown, seq)
            if [(seq, conversation_id)] != stored.get(number):
                wrong_seq.append((number, seq, stored.get(number)))
    measured = [m for m in run["messages"] if isinstance(m[5], int)]
    to_other, to_own, answer_to_other, lost, own_lost = [], [], [], [], []
    for number, index, _due, sent, answered, _status in measured:
        partner = index ^ 1
        if partner in closed or index in closed or partner in refused_indexes or index in refused_indexes:
            continue
        if number in received[partner]:
            to_other.append((received[partner][number][1] - sent) * 1000)
            answer_to_other.append((received[partner][number][1] - answered) * 1000)
        else:
            lost.append(number)
        if number in received[index]:
            to_own.append((received[index][number][1] - sent) * 1000)
        else:
            own_lost.append(number)
    unstored = [message[0] for message in warm["messages"] + run["messages"]
                if isinstance(message[5], int) and len(stored.get(message[0], [])) != 1]
    request_ms = [(answered - sent) * 1000 for _n, _i, _d, sent, answered, _s in run["messages"]]
    late = [(sent - due) * 1000 for _n, _i, due, sent, _a, _s in run["messages"]]
    first_sent = min((m[3] for m in measured), default=0)
    last_landed = max((received[m[1] ^ 1][m[0]][1] for m in measured if m[0] in received[m[1] ^ 1]), default=first_sent)
    delivered = len(to_other)
    span = max(last_landed - first_sent, 1e-9)
    read_window = [(status, (answered - sent) * 1000) for _i, status, sent, answered in reads
                   if first_sent <= sent <= first_sent + run["wall"]]
    read_errors = [status for _i, status, *_rest in reads if status not in (204, "socket")]

    print()
    print(f"Messages: {len(people)} people in {args.conversations} conversations, {args.senders} senders, "
          f"{args.rate:g}/s asked ({'evenly spaced' if args.even else 'Poisson'}), reads {args.reads}; "
          f"{len(run['messages'])} sent in {run['wall']:.1f} s ({len(run['messages']) / run['wall']:.1f}/s) after "
          f"{len(warm['messages'])} warm-up messages"
          + (f"; {run['skipped']} of {run['asked']} asked left unsent, every sender busy until {LATE_LIMIT} s after the end"
             if run["skipped"] else ""))
    print(f"delivered to the other person: {delivered} = {delivered / span:.1f}/s (first send to last delivery {span:.1f} s); "
          f"lost {len(lost)}, missing at the sender's own socket {len(own_lost)}")
    print(f"send request p50 {statistics.median(request_ms):.1f} ms, p95 {percentile(request_ms, 0.95):.1f} ms, "
          f"max {max(request_ms):.1f} ms; started late (all senders busy) by > 50 ms: {sum(1 for x in late if x > 50)}, "
          f"max {max(late):.0f} ms")
    if read_window and args.reads == "page":
        print(f"reads over the sockets (the pages' {{\"read\": 1}}) during the run: {len(read_window)} = {len(read_window) / run['wall']:.1f}/s")
    elif read_window:
        read_ms = [ms for _status, ms in read_window]
        print(f"read requests (the pages' POST /read/) during the run: {len(read_window)} = {len(read_window) / run['wall']:.1f}/s, "
              f"p50 {statistics.median(read_ms):.1f} ms, p95 {percentile(read_ms, 0.95):.1f} ms")
    print()
    print(f"| {'from → until':<44} | messages | p50 ms | p95 ms | max ms |")
    print(f"|{'-' * 46}|---------:|-------:|-------:|-------:|")
    for name, values in (
        ("send → the other person's socket", to_other),
        ("send → the sender's own socket", to_own),
        ("send → its HTTP answer", request_ms),
        ("HTTP answer → the other person's socket", answer_to_other),
    ):
        if values:
            print(f"| {name:<44} | {len(values):>8} | {statistics.median(values):>6.1f} | {percentile(values, 0.95):>6.1f} | {max(values):>6.1f} |")
    print()
    busy = (machine_after[0] - machine_before[0]) / max(1e-9, machine_after[1] - machine_before[1]) * 100
    print("CPU while sending (share of one core): " + ", ".join(f"{name} {seconds / watch.seconds * 100:.0f} %" for name, seconds in used.items())
          + f"; the whole machine {busy:.0f} % busy ({os.cpu_count()} cores)")
    if measured:
        print("CPU per message sent: " + ", ".join(f"{name} {used[name] / len(measured) * 1000:.1f} ms" for name in used))
    print(f"pushes that carried no message (read state, badges): {sum(others)}; message pushes that skipped a seq "
          f"(the page fetches /since/): {gaps}; received twice: {duplicates}; at a socket of another conversation: {len(stray)}")
    codes = {}
    for _index, code, _moment in ended:
        codes[code] = codes.get(code, 0) + 1
    print(f"sockets the server closed: {len(ended)}" + (f" (close codes {codes})" if codes else "")
          + f"; after every socket closed: {stale_members} group memberships, {stale_counts} socket counts, "
          f"{stale_presence} presence marks left in Redis ({emptied:.1f} s later)")
    print(f"processes seen while sending: {watch.processes('gunicorn')} gunicorn workers, {watch.processes('postgres')} "
          f"PostgreSQL backends of the benchmark's database")
    print(f"daphne RSS with {len(people) - len(refused)} sockets: {daphne_rss:.0f} MiB; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after")
    logged = {name: server_errors(text) for name, text in (("gunicorn", web_text), ("daphne", ws_text))}
    for name, errors in logged.items():
        for error, (count, _text) in errors.items():
            print(f"{name} log: {count} × {error}")

    if cost is not None:
        meter, facts = cost
        print()
        print(f"What one message costs in a web worker, measured in this process after the run (DEBUG off, {args.breakdown} "
              f"messages on one conversation, both people present, {statistics.median(r[0] for r in meter.runs['recipients']):.0f} "
              f"recipients; medians; answers {sorted(facts['statuses'])}):")
        print()
        print(f"| {'part':<62} | wall ms | CPU ms | queries | database calls ms |")
        print(f"|{'-' * 64}|--------:|-------:|--------:|------------------:|")
        for name in meter.runs:
            if name == "recipients":
                continue
            ms, cpu, queries, database = meter.median(name)
            print(f"| {name:<62} | {ms:>7.1f} | {cpu:>6.1f} | {queries:>7.0f} | {database:>17.1f} |")

    problems = run["errors"] + warm["errors"]
    if problems or lost or own_lost or stray or wrong_seq or unstored or ended or refused or read_errors \
            or stale_members or stale_counts or stale_presence or not measured:
        print(f"FAILED: send errors {problems[:5]}; lost {lost[:5]}; missing at the sender's socket {own_lost[:5]}; "
              f"stray {stray[:5]}; stored with another seq {wrong_seq[:5]}; not stored once {unstored[:5]}; "
              f"sockets closed {ended[:5]}; refused {refused[:5]}; read errors {read_errors[:5]}")
        for name, errors in logged.items():
            for _count, text in errors.values():
                print(f"\n--- {name}, the first of its kind:\n" + "\n".join(text.splitlines()[-40:]))
        sys.exit(1)


if __name__ == "__main__":
    main()
