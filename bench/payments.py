"""Payments benchmark: signed Stripe webhook deliveries against PostgreSQL, in the
production web setup, with duplicates and in shuffled order.

    .venv/bin/python bench/payments.py                          # 500 deliveries, 20 % duplicates
    .venv/bin/python bench/payments.py --deliveries 2000 --clients 8
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soko_bench_payments (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14 (the default)

What it does:
1. recreates the database, migrates it and places checkouts awaiting a card payment (one
   to three stores each), each with a pending attempt and its Checkout Session in a fake
   Stripe (tests/fakes/stripe_server.py) that this process serves on a local port;
2. pays every session in the fake: three events each (payment_intent.succeeded,
   charge.succeeded, checkout.session.completed), enough sessions for the unique events,
   then adds duplicates of random events and shuffles everything (fixed seed);
3. starts the production web setup (gunicorn, one worker per core, DEBUG off) with
   STRIPE_API_BASE pointing at the fake, so each event is checked against "Stripe";
4. sends the deliveries, each signed when sent, from several client threads at once;
5. prints deliveries/s, p50/p95/max latency and the answers, then proves the money: every
   checkout paid exactly once, one capture each, every ledger transaction summing to zero,
   one stored event per unique event id.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import HOST, django_setup, ensure_database, start_server, stop_server  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soko_bench_payments"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
SECRET = "whsec_bench"
EVENTS_PER_SESSION = 3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of deliveries that repeat an event")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def place_checkouts(count: int, fake, rng: random.Random) -> list:
    """``count`` checkouts awaiting card payment, each with its session at the fake."""
    from django.contrib.auth import get_user_model

    from sellers.models import Store, StoreMember
    from shop.orders.models import Checkout, Order, OrderItem
    from shop.payments.models import PaymentStatus
    from shop.payments.services import attempt_create, attempt_reference_set

    user_model = get_user_model()
    buyer = user_model.objects.create_user(email="bench-buyer@soko.test", password="x")
    owner = user_model.objects.create_user(email="bench-seller@soko.test", password="x")
    stores = [Store.objects.create(name=f"Bench store {n}", slug=f"bench-store-{n}", currency="KES") for n in range(4)]
    for store in stores:
        StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    attempts = []
    for n in range(count):
        checkout = Checkout.objects.create(
            buyer=buyer, idempotency_key=uuid.uuid4(), payment_method="card", recipient="Bench", phone="+254700000000",
            area_label="Nairobi", street="Bench Road", currency="KES", payment_status=PaymentStatus.AWAITING,
        )
        total = Decimal("0")
        lines = []
        for store in rng.sample(stores, rng.randint(1, 3)):
            price = Decimal(rng.randint(100, 500_000)) / 100
            order = Order.objects.create(
                checkout=checkout, store=store, buyer=buyer, number=f"BN-{n:05d}-{store.pk}", items_total=price, total=price, currency="KES"
            )
            OrderItem.objects.create(order=order, product_title="Bench item", variant_name="One", unit_price=price, quantity=1, line_total=price)
            total += price
            lines.append({"price_data": {"currency": "kes", "unit_amount": str(int(price * 100)), "product_data": {"name": order.number}}, "quantity": "1"})
        checkout.total = total
        checkout.save(update_fields=["total"])
        attempt = attempt_create(checkout=checkout, gateway="card", provider="stripe")
        metadata = {"checkout_id": str(checkout.pk), "attempt_id": str(attempt.pk)}
        session = fake.engine.session_create(
            {"mode": "payment", "line_items": lines, "success_url": "http://x/", "cancel_url": "http://x/", "metadata": metadata,
             "payment_intent_data": {"metadata": metadata, "transfer_group": f"checkout-{checkout.pk}"}}
        )
        attempt_reference_set(attempt=attempt, reference=session["id"], redirect_url=session["url"])
        attempts.append(attempt)
    return attempts


def deliveries_for(attempts, fake, total: int, duplicate_share: float, rng: random.Random) -> tuple[list[dict], int]:
    unique = []
    for attempt in attempts:
        unique += fake.engine.session_pay(attempt.reference)
    unique = unique[: round(total * (1 - duplicate_share))]
    repeats = [rng.choice(unique) for _ in range(total - len(unique))]
    deliveries = unique + repeats
    rng.shuffle(deliveries)
    return deliveries, len(unique)


def send(port: int, deliveries: list[dict], clients: int) -> tuple[list[float], dict[int, int], float]:
    from tests.fakes.stripe_server import sign

    queue = list(enumerate(deliveries))
    lock = threading.Lock()
    latencies, answers = [], {}

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                _index, event = queue.pop(0)
            payload = json.dumps(event).encode()
            request = urllib.request.Request(
                f"http://{HOST}:{port}/payments/stripe/webhook/", data=payload, method="POST",
                headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, SECRET)},
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                answers[status] = answers.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, answers, time.perf_counter() - started


def prove(attempts, unique_events: int) -> list[str]:
    """The money after the run; a list of problems (empty when all is right)."""
    from django.db.models import Count, Sum

    from shop.orders.models import Checkout
    from shop.payments.models import LedgerTransaction, PaymentAttempt, ProviderEvent

    problems = []
    paid_sessions = set(PaymentAttempt.objects.filter(status="succeeded").values_list("pk", flat=True))
    captures = LedgerTransaction.objects.filter(kind="capture").values("checkout").annotate(n=Count("id"))
    if any(row["n"] != 1 for row in captures):
        problems.append("a checkout has more than one capture")
    paid = Checkout.objects.filter(payment_status="paid").count()
    if paid != len(paid_sessions) or paid != captures.count():
        problems.append(f"{paid} checkouts paid, {len(paid_sessions)} attempts succeeded, {captures.count()} captures")
    for posted in LedgerTransaction.objects.annotate(total=Sum("entries__amount_minor")):
        if posted.total:
            problems.append(f"transaction {posted.key} sums to {posted.total}")
    stored = ProviderEvent.objects.count()
    if stored != unique_events:
        problems.append(f"{stored} events stored for {unique_events} unique events")
    return problems


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    ensure_database(url, recreate=True)
    django_setup(url)
    from django.core.management import call_command

    from tests.fakes.stripe_server import FakeStripe

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    with FakeStripe(webhook_secret=SECRET) as fake, tempfile.TemporaryDirectory() as tmp:
        sessions = -(-round(args.deliveries * (1 - args.duplicates)) // EVENTS_PER_SESSION)
        attempts = place_checkouts(sessions, fake, rng)
        deliveries, unique = deliveries_for(attempts, fake, args.deliveries, args.duplicates, rng)
        os.environ.update(STRIPE_SECRET_KEY="sk_test_bench", STRIPE_API_BASE=fake.url, STRIPE_WEBHOOK_SECRET=SECRET)
        server, port, log_path = start_server(url, redis_url, Path(tmp), kind="gunicorn", workers=args.workers, page_cache=False)
        try:
            latencies, answers, seconds = send(port, deliveries, args.clients)
        finally:
            stop_server(server)
        problems = prove(attempts, unique)

    latencies.sort()
    print(f"{len(deliveries)} deliveries ({unique} unique events, {len(deliveries) - unique} duplicates) of {len(attempts)} checkouts,")
    print(f"{args.clients} clients, gunicorn × {args.workers}, PostgreSQL; each event re-fetched from the fake Stripe")
    print(f"deliveries/s {len(deliveries) / seconds:8.1f}   wall {seconds:6.2f} s")
    print(f"latency ms   p50 {statistics.median(latencies):6.1f}   p95 {latencies[int(len(latencies) * 0.95) - 1]:6.1f}   max {latencies[-1]:6.1f}")
    print(f"answers      {dict(sorted(answers.items()))}")
    print("ledger       " + ("balanced: every transaction sums to zero; each checkout paid once, one capture each" if not problems else "; ".join(problems)))
    print(f"load average {os.getloadavg()[0]:.2f}")
    sys.exit(1 if problems or set(answers) - {200} else 0)


if __name__ == "__main__":
    main()
