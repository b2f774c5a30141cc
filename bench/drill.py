"""Fault drill: Soko as several machines on loopback addresses, a mixed load through nginx,
machines killed and restarted under it, then checks that nothing was lost.

    .venv/bin/python bench/drill.py              # 60 s of load
    .venv/bin/python bench/drill.py --quick      # 30 s of load
    .venv/bin/python bench/drill.py --seconds 120
    DRILL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_drill (the default; made and dropped by the drill)

The "machines" (every process started, and stopped at the end, by the drill; logs in a
temporary folder, printed at the end):
- Redis of its own on 127.0.0.1:6391, without persistence (a restart loses the queue, the
  cache and the channel layer, as a replaced Redis machine would);
- PostgreSQL database ``soko_drill`` (made, migrated and seeded here, dropped at the end);
- an S3-compatible store (moto in server mode) on 127.0.0.5, with the public and the
  private bucket, and SOKO_S3_* pointing every process at it;
- two gunicorn web nodes (site_config/gunicorn.py) on 127.0.0.2:8201 and 127.0.0.3:8202,
  daphne for /ws/ on 127.0.0.4:8203, two Huey consumers (``manage.py run_huey
  --flush-locks``, the Procfile's worker);
- nginx in front on 127.0.0.1:8200: the two web nodes as one upstream with
  proxy_next_upstream, /ws/ to daphne.

The load (threads, each with its own keep-alive connection to nginx, for --seconds):
browsers reading the home page, search, product pages and the API's catalogue; shoppers
(signed in through the API, tokens as a phone app holds them) adding to their cart and
placing checkouts paid on delivery or by card (the fake Stripe on 127.0.0.1:8205 sends its
signed events to the webhook through nginx, again until answered), bidding on four auctions
(three end half-way through, the fourth after the load) and sending chat messages to the store;
two sockets held open as pages hold them (a conversation's, opened by an app with its
token, and an auction's shared group), connected again on the codes a page reconnects on.
Every write carries an Idempotency-Key and is sent again with the same key after a
connection error or a 5xx (what a client that lost the answer does), up to 10 times.

The faults, at fixed points of the load: web node 1 is killed (SIGKILL of its process
group) at 20 % and started again at 40 %; the first Huey consumer to start an auction's
exact-time close job is killed --kill-into-close seconds (0.1) into it, and started again
at 85 %; Redis is killed and started again (empty) at 70 %.

Afterwards the drill waits for the minute ticks to catch up, then checks (the ORM of
this process, the same settings as the servers): every checkout a shopper was told was
placed exists once with its orders, paid on delivery, paid, or expired with its orders
cancelled, and no checkout exists that nobody was told of beyond the writes given up; stock
plus what was sold equals the stock seeded; every auction due has closed once, sold to
its leader with one order, the winner told once and the store told once; every chat
message answered 2xx is stored once and each conversation's sequence numbers run 1..n
without a gap; each card checkout paid at the provider is paid once, for what the provider
took; ``manage.py ledger_audit`` passes; both held sockets hear again after Redis came
back (after the load, a chat message and a bid sent by the drill reach both sockets held
open since the start); no PendingJob row is left; /healthz/ready answers 200 through nginx
and on each web node; a socket opens through nginx. It prints requests, errors by kind, the longest time
without a successful request and the recovery after each fault, and exits non-zero when an
invariant fails.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import ROOT, ensure_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_drill"
REDIS_PORT = 6391
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
FRONT = ("127.0.0.1", 8200)
WEB_NODES = [("127.0.0.2", 8201), ("127.0.0.3", 8202)]
SOCKETS = ("127.0.0.4", 8203)
S3 = ("127.0.0.5", 8204)
# The card provider: the fake Stripe (Stripe's wire format, its events signed and sent to the
# webhook through nginx, a failed delivery sent again as Stripe does).
STRIPE = ("127.0.0.1", 8205)
STRIPE_WEBHOOK_SECRET = "whsec_drill"
# Three auctions end half-way through; the last one LATE_AUCTION_AFTER seconds after the
# load, so that a bid after every fault can reach the sockets watching it.
AUCTIONS = 4
LATE_AUCTION_AFTER = 20
BUCKET, PRIVATE_BUCKET = "soko-drill-files", "soko-drill-private"
S3_KEYS = {"SOKO_S3_ACCESS_KEY_ID": "drill", "SOKO_S3_SECRET_ACCESS_KEY": "drill-secret", "SOKO_S3_REGION": "us-east-1"}
PASSWORD = "drill passphrase 2026"
STOCK = 100_000
WORDS = ["basket", "lamp", "kikoi", "coffee", "radio"]
BIN = Path(sys.executable).parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--quick", action="store_true", help="30 seconds of load")
    parser.add_argument("--shoppers", type=int, default=4, help="shopper threads (default 4)")
    parser.add_argument("--browsers", type=int, default=2, help="browsing threads (default 2)")
    parser.add_argument("--web-concurrency", type=int, default=1, help="gunicorn workers per web node (default 1)")
    parser.add_argument(
        "--kill-into-close",
        type=float,
        default=0.1,
        help="seconds after a Huey consumer starts an auction's close job that it is killed (default 0.1)",
    )
    parser.add_argument(
        "--catch-up", type=float, default=210, help="longest wait for the ticks to catch up (default 210 s)"
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds = 30
    return args


# --- Processes ---------------------------------------------------------------------------


class Machines:
    """Every process the drill starts, by name, each in a process group of its own (a
    SIGKILL of the group is a machine lost: gunicorn's master and its workers at once)."""

    def __init__(self, workdir: Path, env: dict):
        self.workdir, self.env, self.procs = workdir, env, {}

    def start(self, name: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (kept open by the child)
        log.write(f"--- started {time.strftime('%H:%M:%S')}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            command, env=env or self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop_all(self) -> None:
        for name, proc in reversed(list(self.procs.items())):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(10)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)
            self.procs.pop(name)


def wait_until(what: str, test, seconds: float = 60, pause: float = 0.2):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = test()
            if result:
                return result
        except Exception:  # not there yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {seconds:.0f} s")
        time.sleep(pause)


def http_status(host: str, port: int, path: str, timeout: float = 3) -> int:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def redis_command() -> list[str]:
    return ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


def redis_up() -> bool:
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def web_command(n: int) -> list[str]:
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "site_config" / "gunicorn.py")]


def nginx_conf(workdir: Path) -> Path:
    web = "\n".join(f"        server {host}:{port} max_fails=1 fail_timeout=3s;" for host, port in WEB_NODES)
    proxied = """
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;"""
    text = f"""\
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {workdir}/nginx-access.log;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    upstream soko_http {{
{web}
        keepalive 16;
    }}
    upstream soko_ws {{ server {SOCKETS[0]}:{SOCKETS[1]}; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    server {{
        listen {FRONT[0]}:{FRONT[1]};
        location /ws/ {{
            proxy_pass http://soko_ws;{proxied}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://soko_http;{proxied}
            proxy_set_header Connection "";
            # A node that refuses or drops the connection: the request goes to the other
            # (a POST only when it was never sent, nginx's rule for non-idempotent requests).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""
    path = workdir / "nginx.conf"
    path.write_text(text)
    return path


def server_env(workdir: Path, url: str) -> dict:
    (workdir / "drill_settings.py").write_text(
        textwrap.dedent(
            f"""\
            from site_config.settings import *  # noqa: F403

            STATIC_ROOT = {str(workdir / "static")!r}
            """
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "drill_settings",
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": "drill-" + "y" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SOKO_SITE_URL": f"http://{FRONT[0]}:{FRONT[1]}",
        "SECURE_SSL_REDIRECT": "0",
        "SOKO_TRUSTED_PROXY_COUNT": "1",
        "FORWARDED_ALLOW_IPS": "*",
        "HUEY_EMBEDDED_WORKER": "0",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "1",
        # The limits would be what the drill measures; tokens outlast the run.
        "SOKO_API_RATE_PER_USER": "10000000/min",
        "SOKO_API_RATE_PER_ADDRESS": "10000000/min",
        "SOKO_API_ACCESS_TOKEN_SECONDS": "86400",
        "SOKO_CHAT_MESSAGES_PER_MINUTE": "100000",
        "SOKO_PAYMENT_METHODS": "cod,card",
        "STRIPE_SECRET_KEY": "sk_test_drill",
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "STRIPE_API_BASE": f"http://{STRIPE[0]}:{STRIPE[1]}",
        "SOKO_S3_BUCKET": BUCKET,
        "SOKO_S3_PRIVATE_BUCKET": PRIVATE_BUCKET,
        "SOKO_S3_ENDPOINT_URL": f"http://{S3[0]}:{S3[1]}",
        "SOKO_S3_ADDRESSING_STYLE": "path",
        **S3_KEYS,
    }
    for name in ("SOKO_DB_CONN_MAX_AGE", "SOKO_ASGI_THREADS", "PROMETHEUS_MULTIPROC_DIR", "SENTRY_DSN"):
        env.pop(name, None)
    return env


def s3_buckets() -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=f"http://{S3[0]}:{S3[1]}",
        aws_access_key_id=S3_KEYS["SOKO_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["SOKO_S3_SECRET_ACCESS_KEY"],
        region_name=S3_KEYS["SOKO_S3_REGION"],
    )
    for bucket in (BUCKET, PRIVATE_BUCKET):
        client.create_bucket(Bucket=bucket)
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/media/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public))


# --- The world ---------------------------------------------------------------------------


def seed(shoppers: int) -> dict:
    """One store with stock, shoppers with verified addresses, three auction lots."""
    from allauth.account.models import EmailAddress
    from api import leaf_area
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from sellers.models import Store, StoreMember
    from shop.auctions.services import Terms, auction_create
    from shop.catalog.models import Category, Product, Variant

    user_model = get_user_model()
    owner = user_model.objects.create(email="drill-owner@soko.test", display_name="Owner", password=make_password(None))
    store = Store.objects.create(name="Drill store", slug="drill-store", phone="+254 700 000 000", currency="KES")
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    category = Category.objects.filter(parent__isnull=False).first() or Category.objects.create(
        name="Drill", slug="drill"
    )
    now = timezone.now()
    variants, products = [], []
    for n, word in enumerate(WORDS * 2):
        product = Product.objects.create(
            store=store,
            category=category,
            title=f"Drill {word} {n}",
            slug=f"drill-{word}-{n}",
            status=Product.Status.ACTIVE,
            published_at=now,
            min_price=Decimal("250.00"),
            in_stock=True,
        )
        products.append(product.slug)
        variants.append(Variant.objects.create(product=product, name="One", price=Decimal("250.00"), stock=STOCK).pk)
    auctions = []
    for n in range(AUCTIONS):
        lot = Product.objects.create(
            store=store,
            category=category,
            listing_type=Product.Listing.AUCTION,
            title=f"Drill carving {n}",
            slug=f"drill-carving-{n}",
            status=Product.Status.ACTIVE,
            published_at=now,
            min_price=Decimal("100.00"),
            in_stock=True,
        )
        Variant.objects.create(product=lot, name="One", price=Decimal("100.00"), stock=1)
        terms = Terms(
            start_price=Decimal("100.00"), starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1)
        )
        auctions.append(auction_create(product=lot, terms=terms).pk)
    password = make_password(PASSWORD)
    emails = []
    for n in range(shoppers):
        shopper = user_model.objects.create(
            email=f"drill-{n}@soko.test", display_name=f"Shopper {n}", password=password
        )
        EmailAddress.objects.create(user=shopper, email=shopper.email, verified=True, primary=True)
        emails.append(shopper.email)
    return {
        "store": store.pk,
        "variants": variants,
        "products": products,
        "auctions": auctions,
        "shoppers": emails,
        "area": leaf_area(),
    }


def auctions_end_at(auction_ids: list[int], moments: list) -> None:
    """The auctions end at these moments, without a soft close (bids do not move the end),
    each with its exact-time close job queued, as listing it would."""
    from django.db import transaction

    from shop.auctions.models import Auction
    from shop.core.jobs import job_schedule_on_commit

    for pk, moment in zip(auction_ids, moments, strict=True):
        with transaction.atomic():
            Auction.objects.filter(pk=pk).update(ends_at=moment, soft_close_minutes=0)
            job_schedule_on_commit("auctions.close", pk, eta=moment)


# --- The load ----------------------------------------------------------------------------


class Record:
    """Every request: when it ended, its kind and whether it succeeded, and what each
    write ended as."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, bool]] = []
        self.errors: Counter = Counter()
        self.refused: Counter = Counter()
        self.given_up: Counter = Counter()
        self.checkouts: list[dict] = []
        self.messages: list[dict] = []
        self.bids = Counter()
        # Socket watchers: name -> times a frame came, and the codes their sockets closed with.
        self.frames: dict[str, list[float]] = {}
        self.closes: dict[str, list[int]] = {}
        self.redis_back: float | None = None
        self.last_push: float | None = None  # when the drill's own chat message and bid went, after the faults

    def note(self, kind: str, ok: bool, error: str = "") -> None:
        with self.lock:
            self.requests.append((time.monotonic(), kind, ok))
            if error:
                self.errors[f"{kind}: {error}"] += 1


class Client:
    """One keep-alive connection to nginx, as one app or browser."""

    def __init__(self, record: Record, token: str = ""):
        self.record, self.token = record, token
        self.connection = http.client.HTTPConnection(*FRONT, timeout=30)

    def send(self, kind: str, method: str, path: str, body=None, *, key: str = "", page: bool = False, form=None):
        """(status, data); a connection error or a 5xx is noted as an error and raised.
        ``body`` goes as JSON, ``form`` as (multipart bytes, its content type)."""
        headers = {"Accept": "text/html" if page else "application/json", "Host": "127.0.0.1"}
        if self.token and not page:
            headers["Authorization"] = f"Bearer {self.token}"
        if key:
            headers["Idempotency-Key"] = key
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            payload, headers["Content-Type"] = form
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection(*FRONT, timeout=30)
            self.record.note(kind, False, type(exc).__name__)
            raise Unavailable from exc
        if response.status >= 500:
            self.record.note(kind, False, f"HTTP {response.status}")
            raise Unavailable
        # A write refused because the request limits cannot be counted (Redis away: they
        # fail closed) is a failure the client waits out, as a 5xx.
        self.record.note(kind, response.status != 429, "HTTP 429" if response.status == 429 else "")
        kind_of = response.getheader("Content-Type", "")
        data = json.loads(raw) if raw and kind_of.startswith(("application/json", "application/problem")) else None
        return response.status, data

    def upload(self, kind: str, path: str, fields: dict, picture: bytes):
        """A multipart POST of text fields and a picture, sent as ``write`` sends."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="drill.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + picture
            + b"\r\n"
        )
        payload = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.write(kind, path, None, form=(payload, f"multipart/form-data; boundary={boundary}"))

    def write(self, kind: str, path: str, body: dict | None, attempts: int = 10, form=None):
        """A POST with an Idempotency-Key, sent again with the same key until it is
        answered (or given up): (status, data) or None."""
        key = str(uuid.uuid4())
        for attempt in range(attempts):
            try:
                status, data = self.send(kind, "POST", path, body, key=key, form=form)
            except Unavailable:
                time.sleep(0.3 * (attempt + 1))
                continue
            if status == 429 or (status == 409 and (data or {}).get("code") == "idempotency_key_in_use"):
                time.sleep(0.5 * (attempt + 1))
                continue
            return status, data
        with self.record.lock:
            self.record.given_up[kind] += 1
        return None


class Unavailable(Exception):
    pass


def browser(record: Record, world: dict, stop: threading.Event, seed_n: int) -> None:
    rng = random.Random(seed_n)
    client = Client(record)
    while not stop.is_set():
        word = rng.choice(WORDS)
        choice = rng.randrange(4)
        try:
            if choice == 0:
                status, _ = client.send("home page", "GET", "/", page=True)
            elif choice == 1:
                status, _ = client.send("search page", "GET", f"/search/?q={word}", page=True)
            elif choice == 2:
                status, _ = client.send("product page", "GET", f"/p/{rng.choice(world['products'])}/", page=True)
            else:
                status, _ = client.send("API products", "GET", f"/api/v1/products/?q={word}")
        except Unavailable:
            time.sleep(0.1)
            continue
        if status != 200:
            with record.lock:
                record.refused[f"browse: HTTP {status}"] += 1


def shopper(record: Record, world: dict, state: dict, stop: threading.Event, seed_n: int) -> None:
    rng = random.Random(seed_n)
    client = Client(record, state["token"])
    auctions_end = world["auctions_end"]
    while not stop.is_set():
        action = rng.choice(["checkout", "checkout", "bid", "chat", "chat"])
        try:
            if action == "checkout":
                checkout(client, world, state, rng)
            elif action == "bid":
                live = [
                    pk for pk, ends in zip(world["auctions"], auctions_end, strict=True) if time.monotonic() < ends - 1
                ]
                if live:
                    bid(client, rng.choice(live))
            else:
                chat(client, state, rng)
        except Unavailable:
            time.sleep(0.1)


def checkout(client: Client, world: dict, state: dict, rng: random.Random) -> None:
    variant = rng.choice(world["variants"])
    quantity = rng.randint(1, 3)
    added = client.write("cart add", "/api/v1/cart/lines/", {"variant": variant, "quantity": quantity})
    if not added or added[0] != 201:
        note_refused(client.record, "cart add", added)
        return
    method = rng.choice(["cod", "card"])
    asked = {
        "currency": "KES",
        "delivery": [{"store": world["store"], "mode": "pickup"}],
        "payment_method": method,
        "address": state["address"],
    }
    status, quote = client.send("checkout quote", "POST", "/api/v1/checkout/quote/", asked)
    if status != 200:
        note_refused(client.record, "checkout quote", (status, quote))
        return
    placed = client.write("checkout place", "/api/v1/checkout/", {**asked, "review_token": quote["review_token"]})
    if not placed or placed[0] != 201:
        note_refused(client.record, "checkout place", placed)
        return
    placed_checkout = {"id": placed[1]["id"], "buyer": state["email"], "method": method, "paid_at_provider": 0}
    with client.record.lock:
        client.record.checkouts.append(placed_checkout)
    if method == "card":
        card_pay(client, placed_checkout)


def card_pay(client: Client, placed: dict) -> None:
    """Start the card payment (the API answers Stripe's page), then pay on that page: the
    fake Stripe sends its signed events to the webhook through nginx, again until answered."""
    started = client.write("payment start", f"/api/v1/checkouts/{placed['id']}/payments/", {"method": "card"})
    if not started or started[0] != 201 or not (started[1] or {}).get("redirect_url"):
        note_refused(client.record, "payment start", started)
        return
    session = started[1]["redirect_url"].rstrip("/").rsplit("/", 1)[-1]
    request = urllib.request.Request(
        f"http://{STRIPE[0]}:{STRIPE[1]}/_fake/sessions/{session}/pay", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        events = json.loads(answer.read())["events"]
    completed = [event for event in events if event["type"] == "checkout.session.completed"]
    placed["paid_at_provider"] = completed[0]["data"]["object"]["amount_total"]
    placed["session"] = session


def bid(client: Client, auction: int, *, challenger: bool = False) -> bool:
    """The lowest bid the auction accepts now (with ``challenger``, only by a shopper who does
    not lead it, so that the price moves); True when it was accepted."""
    status, data = client.send("auction read", "GET", f"/api/v1/auctions/{auction}/")
    if status != 200:
        note_refused(client.record, "auction read", (status, data))
        return False
    if challenger and data.get("leading"):
        return False
    answer = client.write("bid", f"/api/v1/auctions/{auction}/bids/", {"amount": data["min_next_bid"]})
    if answer is None:
        return False
    accepted = answer[0] in (200, 201)
    with client.record.lock:
        client.record.bids["accepted" if accepted else f"refused ({(answer[1] or {}).get('code', answer[0])})"] += 1
    return accepted


def chat(client: Client, state: dict, rng: random.Random) -> None:
    """A message, one in four with a picture (stored in the object store, its renditions
    made by a worker)."""
    text = f"drill message {uuid.uuid4()}"
    path = f"/api/v1/conversations/{state['conversation']}/messages/"
    if rng.random() < 0.25:
        kind, answer = "chat picture", client.upload("chat picture", path, {"text": text}, picture_bytes())
    else:
        kind, answer = "chat message", client.write("chat message", path, {"text": text})
    if not answer or answer[0] != 201:
        note_refused(client.record, kind, answer)
        return
    with client.record.lock:
        client.record.messages.append(
            {"id": answer[1]["id"], "seq": answer[1]["sequence"], "text": text, "conversation": state["conversation"]}
        )


# The close codes after which a page connects again: htmx's (abnormal closure, server error,
# service restart, try again later) and Soko's own "reconnect and re-read" (4012).
RECONNECT_CODES = {1006, 1011, 1012, 1013, 4012}


def watcher(record: Record, name: str, path: str, protocols: list[str], stop: threading.Event) -> None:
    """An open page's (or app's) socket, kept as a page keeps it: connected again a moment
    after it closes with a code a page reconnects on, or cannot connect. Every frame's
    arrival and every close code is noted."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake
    from websockets.sync.client import connect
    from websockets.typing import Subprotocol

    frames, closes = record.frames.setdefault(name, []), record.closes.setdefault(name, [])
    url = f"ws://{FRONT[0]}:{FRONT[1]}{path}"
    origin = f"http://{FRONT[0]}:{FRONT[1]}"
    while not stop.is_set():
        try:
            with connect(
                url, origin=origin, subprotocols=[Subprotocol(p) for p in protocols] or None, open_timeout=5
            ) as socket_:
                while not stop.is_set():
                    try:
                        socket_.recv(timeout=0.5)
                    except TimeoutError:
                        continue
                    frames.append(time.monotonic())
        except ConnectionClosed as closed:
            closes.append(closed.rcvd.code if closed.rcvd else 1006)
            if closes[-1] not in RECONNECT_CODES:
                return  # a page would not connect again: the socket stays closed
        except (OSError, InvalidHandshake, TimeoutError):
            closes.append(0)  # no connection: tried again, as a page would
        time.sleep(1)


def picture_bytes() -> bytes:
    """A small JPEG, different each time (the store keeps one copy of identical pictures)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), tuple(random.randrange(256) for _ in range(3))).save(buffer, "JPEG")
    return buffer.getvalue()


def note_refused(record: Record, kind: str, answer) -> None:
    if answer is None:
        return
    status, data = answer
    with record.lock:
        record.refused[f"{kind}: HTTP {status} {(data or {}).get('code', '')}".strip()] += 1


def sign_in(world: dict, record: Record) -> list[dict]:
    """Each shopper signs in through the API, adds an address and starts a conversation
    with the store (its first message is one the drill checks)."""
    states = []
    for email in world["shoppers"]:
        client = Client(record)
        status, data = client.send("sign in", "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"sign-in of {email}: HTTP {status} {data}")
        client.token = data["meta"]["access_token"]
        status, address = client.send(
            "address",
            "POST",
            "/api/v1/addresses/",
            {
                "label": "Home",
                "recipient": "Drill",
                "phone": "+254 712 345 678",
                "street": "Moi Avenue 1",
                "area": world["area"],
            },
        )
        if status != 201:
            raise RuntimeError(f"address of {email}: HTTP {status} {address}")
        text = f"drill message {uuid.uuid4()}"
        status, conversation = client.write(
            "chat start", "/api/v1/conversations/", {"product": world["products"][0], "text": text}
        )
        if status != 201:
            raise RuntimeError(f"conversation of {email}: HTTP {status} {conversation}")
        record.messages.append({"id": None, "seq": 1, "text": text, "conversation": conversation["id"]})
        states.append(
            {"email": email, "token": client.token, "address": address["id"], "conversation": conversation["id"]}
        )
    return states


# --- Checks ------------------------------------------------------------------------------


def invariants(world: dict, record: Record, env: dict) -> list[str]:
    from django.db.models import Count, Sum
    from django.urls import reverse

    from shop.auctions.models import Auction
    from shop.chat.models import Message
    from shop.core.models import PendingJob
    from shop.notifications.models import Notification
    from shop.orders.models import Checkout, Order, OrderItem
    from shop.payments.models import PaymentAttempt, PaymentStatus

    failures = []
    paid_cards = [item for item in record.checkouts if item.get("paid_at_provider")]
    unpaid_cards = {item["id"] for item in record.checkouts if item.get("method") == "card"} - {
        item["id"] for item in paid_cards
    }
    # Checkouts: each one answered 201 exists once, with its orders, settled one way.
    won = dict(Auction.objects.filter(order__isnull=False).values_list("order__checkout_id", "pk"))
    told = Counter(item["id"] for item in record.checkouts)
    if [pk for pk, n in told.items() if n > 1]:
        failures.append(f"checkouts answered twice as new: {[pk for pk, n in told.items() if n > 1]}")
    # Checkouts the shoppers placed (an auction's win is checked with its auction).
    stored = {
        c.pk: c
        for c in Checkout.objects.filter(buyer__email__startswith="drill-")
        .exclude(pk__in=list(won))
        .prefetch_related("orders")
    }
    missing = sorted(set(told) - set(stored))
    if missing:
        failures.append(f"checkouts answered 201 but not stored: {missing[:10]}")
    untold = sorted(set(stored) - set(told))
    if len(untold) > record.given_up["checkout place"]:
        failures.append(
            f"checkouts stored that no answer told of: {untold[:10]} ({record.given_up['checkout place']} given up)"
        )
    for checkout in stored.values():
        orders = list(checkout.orders.all())
        if not orders:
            failures.append(f"checkout {checkout.pk} has no order")
        if checkout.payment_status == PaymentStatus.EXPIRED and any(o.status != "cancelled" for o in orders):
            failures.append(f"checkout {checkout.pk} expired with orders not cancelled")
        settled = (PaymentStatus.ON_DELIVERY, PaymentStatus.PAID, PaymentStatus.EXPIRED)
        if checkout.payment_status not in settled and checkout.pk not in unpaid_cards:
            failures.append(f"checkout {checkout.pk} left {checkout.payment_status}")
    # Cards: what the provider took is what the ledger holds, each checkout paid once.
    if unpaid_cards and not paid_cards:
        failures.append(f"{len(unpaid_cards)} checkouts by card and none paid at the provider")
    for placed in paid_cards:
        checkout = stored.get(placed["id"])
        attempts = list(
            PaymentAttempt.objects.filter(checkout_id=placed["id"], status=PaymentAttempt.Status.SUCCEEDED)
        )
        if checkout is None or checkout.payment_status != PaymentStatus.PAID or len(attempts) != 1:
            failures.append(
                f"checkout {placed['id']} paid at the provider: {getattr(checkout, 'payment_status', None)}, "
                f"{len(attempts)} succeeded attempt(s)"
            )
        elif attempts[0].received_minor != placed["paid_at_provider"]:
            failures.append(
                f"checkout {placed['id']}: the provider took {placed['paid_at_provider']}, "
                f"the attempt says {attempts[0].received_minor}"
            )
    # Stock: what is left plus what was sold (not cancelled) is what was seeded.
    for variant in world["variants"]:
        from shop.catalog.models import Variant

        left = Variant.objects.get(pk=variant).stock
        sold = (
            OrderItem.objects.filter(variant_id=variant)
            .exclude(order__status="cancelled")
            .aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        if left + sold != STOCK:
            failures.append(f"variant {variant}: {left} left + {sold} sold != {STOCK}")
    # Auctions: closed once, sold to the leader with one order, winner and store told once.
    for auction in Auction.objects.filter(pk__in=world["auctions"]).select_related("order"):
        if auction.status != Auction.Status.ENDED or auction.closed_at is None:
            failures.append(f"auction {auction.pk} not closed ({auction.status})")
            continue
        store_told = Notification.objects.filter(url=reverse("sellers:auction_detail", args=[auction.pk])).count()
        if store_told != 1:
            failures.append(f"auction {auction.pk}: the store was told {store_told} times")
        if auction.bid_count and auction.outcome == Auction.Outcome.SOLD:
            if auction.winner_id != auction.leader_id or auction.order is None:
                failures.append(
                    f"auction {auction.pk}: winner {auction.winner_id}, leader {auction.leader_id}, order {auction.order_id}"
                )
                continue
            won_orders = Order.objects.filter(
                items__listing_type="auction", buyer_id=auction.winner_id, items__product_title=auction.product.title
            ).count()
            if won_orders != 1:
                failures.append(f"auction {auction.pk}: {won_orders} orders for the win")
            url = reverse("payments:status", args=[auction.order.checkout.idempotency_key])
            winner_told = Notification.objects.filter(user_id=auction.winner_id, url=url).count()
            if winner_told != 1:
                failures.append(f"auction {auction.pk}: the winner was told {winner_told} times")
        elif auction.bid_count:
            failures.append(f"auction {auction.pk}: {auction.bid_count} bids but outcome {auction.outcome}")
    # Chat: every message answered 2xx stored once; sequence numbers 1..n in each conversation.
    texts = Counter(Message.objects.filter(text__startswith="drill message").values_list("text", flat=True))
    lost = [m["text"] for m in record.messages if texts[m["text"]] != 1]
    if lost:
        failures.append(f"{len(lost)} chat messages not stored exactly once: {[(t, texts[t]) for t in lost[:5]]}")
    extra = sum(texts.values()) - len(record.messages)
    if extra > record.given_up["chat message"]:
        failures.append(
            f"{extra} chat messages stored that no answer told of ({record.given_up['chat message']} given up)"
        )
    for conversation in {m["conversation"] for m in record.messages}:
        seqs = list(Message.objects.filter(conversation_id=conversation).order_by("seq").values_list("seq", flat=True))
        if seqs != list(range(1, len(seqs) + 1)):
            failures.append(f"conversation {conversation}: sequence {seqs[:20]}...")
    for message in record.messages:
        if message["id"] is not None and not Message.objects.filter(pk=message["id"], seq=message["seq"]).exists():
            failures.append(
                f"message {message['id']} not stored with the sequence number {message['seq']} it was answered with"
            )
    duplicates = Message.objects.values("conversation", "seq").annotate(n=Count("id")).filter(n__gt=1).count()
    if duplicates:
        failures.append(f"{duplicates} sequence numbers used twice")
    # Pictures: every message's picture made ready by a worker, its renditions in the object store.
    from django.core.files.storage import default_storage

    from shop.media.models import StoredImage

    pictures = StoredImage.objects.filter(pk__in=Message.objects.filter(image__isnull=False).values("image"))
    for picture in pictures:
        if picture.status != StoredImage.Status.READY:
            failures.append(f"picture {picture.pk} of a chat message left {picture.status}")
            continue
        names = [
            name for rendition in picture.renditions.values() for name in rendition.values() if isinstance(name, str)
        ]
        absent = [name for name in names if not default_storage.exists(name)]
        if absent:
            failures.append(f"picture {picture.pk}: renditions not in the object store: {absent[:3]}")
    # Jobs: nothing left waiting for the queue.
    pending = PendingJob.objects.count()
    if pending:
        failures.append(f"{pending} PendingJob rows left")
    audit = subprocess.run(
        [sys.executable, "manage.py", "ledger_audit"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if audit.returncode != 0:
        failures.append(f"ledger_audit failed: {audit.stdout[-500:]} {audit.stderr[-500:]}")
    ready = http_status(*FRONT, "/healthz/ready")
    if ready != 200:
        failures.append(f"/healthz/ready through nginx: {ready}")
    for host, port in WEB_NODES:
        status = http_status(host, port, "/healthz/ready")
        if status != 200:
            failures.append(f"/healthz/ready on {host}:{port}: {status}")
    if not socket_opens(world["auctions"][0]):
        failures.append("a socket through nginx was not opened (no 101)")
    # Sockets open before the faults hear what happens after them (reconnected, or rejoined).
    for name, frames in record.frames.items():
        if record.last_push is None or not any(at > record.last_push for at in frames):
            failures.append(f"{name}: the chat message and bid sent after the faults did not reach it")
    return failures


CLOSE_JOB = "Executing shop.auctions.tasks.auction_close_task"


def closing_consumer(workdir: Path, *, deadline: float, into: float) -> str:
    """The first Huey consumer to start an auction's exact-time close job from now, ``into``
    seconds after it started it (huey1 if none has by ``deadline``)."""

    def started_closes(name: str) -> int:
        return (workdir / f"{name}.log").read_text(errors="replace").count(CLOSE_JOB)

    before = {name: started_closes(name) for name in ("huey1", "huey2")}
    while time.monotonic() < deadline:
        for name, count in before.items():
            if started_closes(name) > count:
                time.sleep(into)
                return name
        time.sleep(0.02)
    return "huey1"


def caught_up(world: dict, record: Record) -> bool:
    from shop.auctions.models import Auction
    from shop.chat.models import Message
    from shop.core.models import PendingJob
    from shop.media.models import StoredImage
    from shop.orders.models import Checkout
    from shop.payments.models import PaymentStatus

    open_auctions = Auction.objects.filter(pk__in=world["auctions"], status__in=Auction.OPEN).exists()
    pictures = Message.objects.filter(image__isnull=False).values("image")
    pending = StoredImage.objects.filter(pk__in=pictures, status=StoredImage.Status.PENDING).exists()
    paid_cards = [item["id"] for item in record.checkouts if item.get("paid_at_provider")]
    cards_arrived = Checkout.objects.filter(pk__in=paid_cards, payment_status=PaymentStatus.PAID).count() == len(
        paid_cards
    )
    return (
        not open_auctions
        and not pending
        and cards_arrived
        and not PendingJob.objects.exists()
        and http_status(*FRONT, "/healthz/ready") == 200
    )


def socket_opens(auction: int) -> bool:
    with socket.create_connection(FRONT, timeout=5) as sock:
        sock.sendall(
            (
                f"GET /ws/auctions/{auction}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://{FRONT[0]}:{FRONT[1]}\r\n\r\n"
            ).encode()
        )
        return sock.recv(64).startswith(b"HTTP/1.1 101")


# --- Figures -----------------------------------------------------------------------------


def figures(record: Record, started: float, seconds: float, faults: list[tuple[str, float]]) -> list[str]:
    lines = []
    total = len(record.requests)
    failed = sum(1 for _, _, ok in record.requests if not ok)
    lines.append(f"requests: {total} ({total / seconds:.1f}/s), failed: {failed}")
    by_kind = Counter(kind for _, kind, _ in record.requests)
    lines.append("by kind: " + ", ".join(f"{kind} {n}" for kind, n in by_kind.most_common()))
    lines.append("errors by kind: " + (", ".join(f"{kind} ×{n}" for kind, n in record.errors.most_common()) or "none"))
    lines.append("refused (4xx): " + (", ".join(f"{kind} ×{n}" for kind, n in record.refused.most_common()) or "none"))
    lines.append(
        "writes given up after 10 tries: " + (", ".join(f"{k} ×{n}" for k, n in record.given_up.items()) or "none")
    )
    cards = [item for item in record.checkouts if item.get("method") == "card"]
    paid = sum(1 for item in cards if item.get("paid_at_provider"))
    lines.append(
        f"checkouts placed: {len(record.checkouts)} ({len(cards)} by card, {paid} of them paid at the provider), "
        f"chat messages sent: {len(record.messages)}, bids: "
        + ", ".join(f"{k} {n}" for k, n in record.bids.most_common())
    )
    for name, frames in record.frames.items():
        after = [at for at in frames if record.redis_back is not None and at > record.redis_back]
        first = f"first +{after[0] - record.redis_back:.2f} s after Redis came back" if after else "none after Redis"
        codes = Counter(record.closes.get(name, []))
        closed = ", ".join(f"{code or 'no connection'} ×{n}" for code, n in codes.most_common()) or "never"
        heard = [at for at in frames if record.last_push is not None and at > record.last_push]
        last = f"the last push heard +{heard[0] - record.last_push:.2f} s after it went" if heard else "last push unheard"
        lines.append(f"{name}: {len(frames)} frames ({first}, {last}); closed: {closed}")
    # The load's window; writes still being retried after it are counted, not timed.
    ended = started + seconds
    successes = sorted(at for at, _, ok in record.requests if ok and started <= at <= ended)
    marks = [started, *successes, ended]
    gap, gap_at = max((b - a, a) for a, b in zip(marks, marks[1:], strict=False))
    lines.append(f"longest unavailability (no successful request): {gap:.2f} s, from +{gap_at - started:.1f} s")
    moments = [at for _, at in faults] + [ended]
    for (name, at), following in zip(faults, moments[1:], strict=True):
        window = [(t, ok) for t, _, ok in record.requests if at <= t < following]
        errors = [t for t, ok in window if not ok]
        recovered = (errors[-1] - at) if errors else 0.0
        lines.append(
            f"  +{at - started:5.1f} s {name}: {len(errors)} failed of {len(window)} until the next event, "
            f"last failure +{recovered:.2f} s after it"
        )
    return lines


# --- The drill ---------------------------------------------------------------------------


def main():  # noqa: C901, PLR0915 (one drill, told in order)
    args = parse_args()
    url = os.environ.get("DRILL_DATABASE_URL", DEFAULT_DATABASE_URL)
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        sys.exit("nginx is missing: apt-get install -y nginx-light")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    workdir = Path(tempfile.mkdtemp(prefix="soko-drill-"))
    env = server_env(workdir, url)
    machines = Machines(workdir, env)
    failures: list[str] = []
    try:
        ensure_database(url, recreate=True)
        machines.start("redis", redis_command())
        wait_until("redis", redis_up, 10)
        machines.start("s3", [sys.executable, "-m", "moto.server", "-H", S3[0], "-p", str(S3[1])])
        wait_until("moto", lambda: urllib.request.urlopen(f"http://{S3[0]}:{S3[1]}/moto-api/", timeout=1), 30)
        s3_buckets()
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "site_config.settings"})
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        world = seed(args.shoppers)
        from django.db import connections

        connections.close_all()
        web_env = {**env, "WEB_CONCURRENCY": str(args.web_concurrency)}

        def start_web(n: int) -> None:
            host, port = WEB_NODES[n]
            machines.start(f"web{n + 1}", web_command(n), {**web_env, "WEB_BIND": f"{host}:{port}"})

        machines.start(
            "stripe",
            [
                sys.executable,
                "-m",
                "tests.fakes.stripe_server",
                "--port",
                str(STRIPE[1]),
                "--webhook-url",
                f"http://{FRONT[0]}:{FRONT[1]}/payments/stripe/webhook/",
                "--webhook-secret",
                STRIPE_WEBHOOK_SECRET,
                "--retry-webhooks",
                "300",
            ],
            # The fake's engine keeps its objects with the development gateway's models.
            {**env, "DEBUG": "1"},
        )
        # Stripe's API answers 401 to a request without its key.
        wait_until("the fake Stripe", lambda: http_status(*STRIPE, "/v1/balance") == 401, 60)
        for n in range(len(WEB_NODES)):
            start_web(n)
        machines.start(
            "daphne",
            [
                str(BIN / "daphne"),
                "-b",
                SOCKETS[0],
                "-p",
                str(SOCKETS[1]),
                "--verbosity",
                "0",
                "site_config.asgi:application",
            ],
        )
        for n in (1, 2):
            machines.start(f"huey{n}", [*manage, "run_huey", "--flush-locks"])
        machines.start("nginx", [nginx, "-p", str(workdir), "-c", str(nginx_conf(workdir))])
        for host, port in [*WEB_NODES, SOCKETS]:
            wait_until(f"{host}:{port}", lambda h=host, p=port: http_status(h, p, "/healthz/live") == 200, 60)
        wait_until("ready through nginx", lambda: http_status(*FRONT, "/healthz/ready") == 200, 90, 1)

        record = Record()
        states = sign_in(world, record)
        record.requests.clear()
        seconds = args.seconds
        started = time.monotonic()
        from django.utils import timezone

        now = timezone.now()
        # The auctions end half-way through, a second apart; a consumer dies just then.
        close_at = 0.5 * seconds
        ends = [close_at + n for n in range(AUCTIONS - 1)] + [seconds + LATE_AUCTION_AFTER]
        auctions_end_at(world["auctions"], [now + timedelta(seconds=s) for s in ends])
        connections.close_all()
        world["auctions_end"] = [started + s for s in ends]
        stop = threading.Event()
        threads = [
            threading.Thread(target=browser, args=(record, world, stop, n), daemon=True) for n in range(args.browsers)
        ]
        threads += [
            threading.Thread(target=shopper, args=(record, world, state, stop, 100 + n), daemon=True)
            for n, state in enumerate(states)
        ]
        watchers = {
            "chat socket (app, token)": (
                f"/ws/chat/{states[0]['conversation']}/",
                [f"bearer.{states[0]['token']}", "soko.v1.json"],
            ),
            "auction socket (page, shared group)": (f"/ws/auctions/{world['auctions'][-1]}/", []),
        }
        watching = threading.Event()
        held_open = [
            threading.Thread(target=watcher, args=(record, name, path, protocols, watching), daemon=True)
            for name, (path, protocols) in watchers.items()
        ]
        for thread in held_open:
            thread.start()
        for thread in threads:
            thread.start()

        faults: list[tuple[str, float]] = []
        recovery: list[str] = []

        def at(share: float) -> None:
            time.sleep(max(0.0, started + share * seconds - time.monotonic()))

        at(0.2)
        faults.append(("web node 1 killed (SIGKILL)", time.monotonic()))
        machines.kill("web1")
        at(0.4)
        start_web(0)
        faults.append(("web node 1 started again", time.monotonic()))
        restarted = faults[-1][1]
        wait_until("web node 1 back", lambda: http_status(*WEB_NODES[0], "/healthz/live") == 200, 60, 0.1)
        recovery.append(f"web node 1 answers {time.monotonic() - restarted:.2f} s after its start")
        time.sleep(max(0.0, started + close_at - 1 - time.monotonic()))
        victim = closing_consumer(workdir, deadline=started + close_at + 5, into=args.kill_into_close)
        faults.append((f"Huey consumer {victim[-1]} killed (SIGKILL) while closing an auction", time.monotonic()))
        machines.kill(victim)
        at(0.7)
        faults.append(("Redis killed", time.monotonic()))
        machines.kill("redis")
        time.sleep(1)
        machines.start("redis", redis_command())
        wait_until("redis", redis_up, 10, 0.05)
        faults.append(("Redis started again (empty)", time.monotonic()))
        redis_back = record.redis_back = faults[-1][1]
        wait_until("ready after Redis", lambda: http_status(*FRONT, "/healthz/ready") == 200, 60, 0.1)
        recovery.append(f"/healthz/ready 200 through nginx {time.monotonic() - redis_back:.2f} s after Redis came back")
        at(0.85)
        machines.start(victim, [*manage, "run_huey", "--flush-locks"])
        faults.append((f"Huey consumer {victim[-1]} started again", time.monotonic()))
        at(1.0)
        stop.set()
        for thread in threads:
            thread.join(40)
        # After every fault: a chat message and a bid reach the sockets held open since the start.
        last = Client(record, states[0]["token"])
        record.last_push = time.monotonic()
        try:
            chat(last, states[0], random.Random(1))
            # Its leader bidding again would move no price (nothing to push): the first shopper
            # who does not lead the auction bids.
            for state in states:
                if bid(Client(record, state["token"]), world["auctions"][-1], challenger=True):
                    break
        except Unavailable:
            pass
        with contextlib.suppress(RuntimeError):  # the checks below say which socket did not hear
            wait_until(
                "the held sockets hear the last chat message and bid",
                lambda: all(any(at > record.last_push for at in frames) for frames in record.frames.values()),
                15,
            )
        watching.set()

        # Catch up: the minute ticks close what the exact-time jobs missed and queue what
        # was kept while Redis was away.
        caught = time.monotonic()
        try:
            wait_until("catch-up", lambda: caught_up(world, record), args.catch_up, 2)
            recovery.append(
                f"caught up (auctions closed, pictures processed, no PendingJob, ready) "
                f"{time.monotonic() - caught:.0f} s after the load"
            )
        except RuntimeError as exc:
            recovery.append(str(exc))
        # The close and its notifications commit together; give any after-commit work a moment.
        time.sleep(3)
        failures = invariants(world, record, env)
        load = os.getloadavg()
        print()
        print(
            f"drill: {seconds:.0f} s of load, {args.browsers} browsers + {args.shoppers} shoppers, "
            f"2 web nodes × {args.web_concurrency} worker(s), {os.cpu_count()} CPUs, "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        for line in figures(record, started, seconds, faults):
            print(line)
        for line in recovery:
            print(line)
        for name in ("huey1", "huey2"):
            log = (workdir / f"{name}.log").read_text(errors="replace").splitlines()
            executed = [line for line in log if line.startswith("{") and CLOSE_JOB in line]
            print(f"{name} ran {len(executed)} exact-time auction close job(s)")
        print(f"logs: {workdir}")
    finally:
        machines.stop_all()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never set up
            pass
        try:
            from urllib.parse import urlsplit

            import psycopg

            parts = urlsplit(url)
            with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
        except Exception as exc:
            print(f"could not drop the drill's database: {exc}")
    if failures:
        for log in sorted(workdir.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()
            print(f"--- the last lines of {log.name}")
            print("\n".join(lines[-15:]))
        # Last, so that the end of a long output (all a CI summary may keep) names them.
        print("INVARIANTS FAILED:")
        for failure in failures:
            print(f"  - {failure}")
        sys.exit(1)
    print("all invariants hold")


if __name__ == "__main__":
    main()
