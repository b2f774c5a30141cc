"""The analytics page tells a seller how the store sells: per bucket against the period
before, per currency, per product; figures checked against sums worked out here from the
orders themselves."""

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from returns.models import ReturnLine, ReturnRequest, ReturnStatus
from sellers.analytics.selectors.figures import BUCKET_DAYS, store_analytics
from shop.catalog.models import Product, ProductDayStats
from shop.chat.models import Conversation
from shop.orders.models import OrderItem, OrderStatus
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import orders_bulk_create as place_orders

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 9, 30, tzinfo=UTC)
STATUSES = list(OrderStatus.values)
NOT_SALES = {OrderStatus.CANCELLED, OrderStatus.REFUNDED}


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts", time_zone="Africa/Nairobi")


def random_specs(rng, variants, count, *, days=180):
    specs = []
    for _ in range(count):
        at = NOW - timedelta(seconds=rng.randrange(days * 86400))
        currency = rng.choice(["KES", "GNF", "PKR"])
        prices = ["2500", "15000", "120000"] if currency == "GNF" else ["250.00", "99.50", "1200"]
        lines = [(rng.choice(variants), rng.randint(1, 4), rng.choice(prices)) for _ in range(rng.randint(1, 3))]
        specs.append((at, rng.choice(STATUSES), currency, lines))
    return specs


def expected_buckets(store, specs, *, days, grouping):
    """Revenue and orders per (bucket, currency), this period and the one before, worked out from the specs."""
    zone = ZoneInfo(store.time_zone)
    today = NOW.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    size = BUCKET_DAYS[grouping]
    current, previous = defaultdict(lambda: [0, Decimal("0")]), defaultdict(lambda: [0, Decimal("0")])
    for at, status, currency, lines in specs:
        if status in NOT_SALES:
            continue
        day = at.astimezone(zone).date()
        total = sum((Decimal(p) * q for _v, q, p in lines), Decimal("0"))
        if first <= day <= today:
            target, offset = current, (day - first).days
        elif first - timedelta(days=days) <= day < first:
            target, offset = previous, (day - first).days + days
        else:
            continue
        target[offset // size, currency][0] += 1
        target[offset // size, currency][1] += total
    return current, previous


@pytest.mark.parametrize(("days", "grouping"), [(7, "day"), (30, "week"), (90, "month"), (90, "day")])
def test_figures_equal_the_sums_of_the_orders_per_bucket_and_currency(store, days, grouping):
    rng = random.Random(f"{days}{grouping}")
    variants = [ProductFactory(store=store, variants__stock=rng.randint(0, 40)).variants.get() for _ in range(4)]
    specs = random_specs(rng, variants, 150)
    place_orders(store, specs)
    place_orders(StoreFactory(), random_specs(rng, [ProductFactory().variants.get()], 20))  # another store's

    figures = store_analytics(store=store, now=NOW, days=days, grouping=grouping)

    current, previous = expected_buckets(store, specs, days=days, grouping=grouping)
    assert len(figures.buckets) == -(-days // BUCKET_DAYS[grouping])
    got_current = {(n, c): [s.orders, s.revenue] for n, b in enumerate(figures.buckets) for c, s in b.current.items() if s.orders}
    got_previous = {(n, c): [s.orders, s.revenue] for n, b in enumerate(figures.buckets) for c, s in b.previous.items() if s.orders}
    assert got_current == dict(current)
    assert got_previous == dict(previous)
    assert current  # the seeded orders do reach this period
    for currency in ("KES", "GNF", "PKR"):
        assert figures.totals.get(currency, None) is None or figures.totals[currency].revenue == sum(
            (v[1] for (n, c), v in current.items() if c == currency), Decimal("0")
        )
    assert figures.orders == sum(v[0] for v in current.values())
    assert figures.previous_orders == sum(v[0] for v in previous.values())

    # Per product: units and revenue per currency from the lines of orders that count.
    zone = ZoneInfo(store.time_zone)
    first = NOW.astimezone(zone).date() - timedelta(days=days - 1)
    units, revenue = defaultdict(int), defaultdict(Decimal)
    for at, status, currency, lines in specs:
        if status not in NOT_SALES and at.astimezone(zone).date() >= first:
            for variant, quantity, price in lines:
                units[variant.product_id] += quantity
                revenue[variant.product_id, currency] += Decimal(price) * quantity
    by_pk = {p.pk: p for p in figures.products}
    assert {pk: p.units for pk, p in by_pk.items() if p.units} == dict(units)
    assert {(pk, c): amount for pk, p in by_pk.items() for c, amount in p.revenue.items()} == dict(revenue)
    assert figures.units_sold == sum(units.values())
    assert [p.units for p in figures.top_products] == sorted((u for u in units.values() if u), reverse=True)[:5]


def test_currencies_are_kept_apart_and_the_previous_period_is_set_beside(seller_client, store):
    variant = ProductFactory(store=store).variants.get()
    now = timezone.now()
    place_orders(store, [
        (now - timedelta(hours=1), OrderStatus.DELIVERED, "KES", [(variant, 2, "250.00")]),
        (now - timedelta(hours=2), OrderStatus.PENDING, "GNF", [(variant, 1, "150000")]),
        (now - timedelta(days=9), OrderStatus.COMPLETED, "KES", [(variant, 1, "100.00")]),  # the 7 days before
        (now - timedelta(hours=3), OrderStatus.CANCELLED, "KES", [(variant, 9, "999.00")]),
        (now - timedelta(hours=3), OrderStatus.REFUNDED, "GNF", [(variant, 9, "99999")]),
    ])

    response = seller_client.get(reverse("sellers:analytics"), {"days": "7", "group": "day"})

    figures = response.context["figures"]
    assert figures.currencies == ("GNF", "KES")
    assert {c: (s.orders, s.revenue) for c, s in figures.totals.items()} == {"KES": (1, Decimal("500.00")), "GNF": (1, Decimal("150000"))}
    assert {c: (s.orders, s.revenue) for c, s in figures.previous_totals.items()} == {"KES": (1, Decimal("100.00"))}
    assert figures.units_sold == 3  # the cancelled and refunded lines left out
    page = response.content.decode()
    assert 'data-testid="revenue-KES"' in page and 'data-testid="revenue-GNF"' in page
    assert "+400.0 %" in page  # KES 500 against KES 100
    assert "999" not in page and "99,999" not in page
    data = response.context["chart_data"]
    assert set(data["revenue"]) == {"GNF", "KES"}
    # Summed over the period: an order an hour or two ago can be yesterday in Nairobi.
    assert sum(map(Decimal, data["revenue"]["KES"]["current"])) == Decimal("500.00")
    assert sum(map(Decimal, data["revenue"]["GNF"]["current"])) == Decimal("150000")
    assert sum(data["orders"]["current"]) == 2 and sum(data["orders"]["previous"]) == 1


def test_unknown_period_or_grouping_falls_back_to_30_days_by_day(seller_client):
    response = seller_client.get(reverse("sellers:analytics"), {"days": "365", "group": "hour"})

    assert response.status_code == 200
    assert (response.context["figures"].period.days, response.context["figures"].period.grouping) == (30, "day")
    assert len(response.context["figures"].buckets) == 30


def test_only_the_stores_team_sees_its_analytics(client, store):
    url = reverse("sellers:analytics")
    assert client.get(url).status_code == 302  # to log in
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get(reverse("sellers:analytics_csv")).status_code == 403
    other = StoreFactory(name="Kaloum Électronique")
    place_orders(store, [(timezone.now(), OrderStatus.PENDING, "KES", [(ProductFactory(store=store).variants.get(), 1, "777.00")])])
    client.force_login(other.memberships.get().user)
    response = client.get(url)
    assert response.status_code == 200 and response.context["figures"].orders == 0
    assert "777" not in response.content.decode()


def test_the_dashboard_nav_has_an_analytics_tab(seller_client):
    page = seller_client.get(reverse("sellers:analytics")).content.decode()

    assert 'href="/dashboard/analytics/" aria-current="page"' in page


def test_days_of_cover_is_stock_over_the_average_daily_units_sold(seller_client, store):
    basket = ProductFactory(store=store, title="Sisal basket", variants__stock=12)
    ProductFactory(store=store, title="Kikoi", variants__stock=5)
    place_orders(store, [(timezone.now() - timedelta(days=d), OrderStatus.DELIVERED, "KES", [(basket.variants.get(), 3, "100")]) for d in (1, 2)])

    response = seller_client.get(reverse("sellers:analytics"), {"days": "30"})

    rows = {p.title: p for p in response.context["figures"].products}
    assert rows["Sisal basket"].days_of_cover == Decimal("60.0")  # 12 on hand / (6 sold / 30 days)
    assert rows["Kikoi"].days_of_cover is None
    page = response.content.decode()
    assert '<td class="text-end" data-testid="cover">60.0</td>' in page
    assert '<td class="text-end" data-testid="cover">—</td>' in page


def test_ratings_come_from_the_products_review_figures(seller_client, store):
    ProductFactory(store=store, title="Rated")
    Product.objects.filter(title="Rated").update(rating_avg=Decimal("4.20"), rating_count=8)

    page = seller_client.get(reverse("sellers:analytics")).content.decode()

    assert ' 4.2 <span class="text-body-secondary">(8)</span>' in page


def test_returns_rate_is_accepted_returned_units_over_units_sold(seller_client, store):
    variant = ProductFactory(store=store).variants.get()
    buyer = UserFactory()
    first, second = place_orders(store, [
        (timezone.now() - timedelta(days=1), OrderStatus.DELIVERED, "KES", [(variant, 4, "100")]),
        (timezone.now() - timedelta(days=2), OrderStatus.DELIVERED, "KES", [(variant, 6, "100")]),
    ], buyer=buyer)
    for order, status, units in ((first, ReturnStatus.RECEIVED, 2), (second, ReturnStatus.REJECTED, 5)):
        request = ReturnRequest.objects.create(order=order, buyer=buyer, store=store, status=status, reason="damaged",
                                               reject_reason="worn" if status == ReturnStatus.REJECTED else "")
        ReturnLine.objects.create(request=request, item=order.items.get(), quantity=units)

    response = seller_client.get(reverse("sellers:analytics"))

    figures = response.context["figures"]
    assert (figures.units_returned, figures.units_sold, figures.returns_rate) == (2, 10, Decimal("20.0"))
    assert figures.products[0].returned == 2
    assert "Returns: 20.0 % (2 of 10 units)" in response.content.decode()


def test_chats_that_led_to_an_order_in_the_period(seller_client, store):
    variant = ProductFactory(store=store).variants.get()
    now = timezone.now()
    ordered, ordered_before, silent, old = (UserFactory() for _ in range(4))
    for buyer, started in ((ordered, 3), (ordered_before, 3), (silent, 2), (old, 40)):
        conversation = Conversation.objects.create(buyer=buyer, store=store)
        Conversation.objects.filter(pk=conversation.pk).update(created_at=now - timedelta(days=started))
    place_orders(store, [(now - timedelta(days=1), OrderStatus.CONFIRMED, "KES", [(variant, 1, "100")])], buyer=ordered)
    place_orders(store, [(now - timedelta(days=5), OrderStatus.CONFIRMED, "KES", [(variant, 1, "100")])], buyer=ordered_before)
    place_orders(store, [(now - timedelta(days=1), OrderStatus.CANCELLED, "KES", [(variant, 1, "100")])], buyer=silent)

    response = seller_client.get(reverse("sellers:analytics"), {"days": "30"})

    conversion = response.context["figures"].conversion
    assert (conversion.chats, conversion.chats_ordered) == (3, 1)
    assert "1 of 3 new chats led to an order" in response.content.decode()


def test_the_csv_has_each_bucket_in_each_currency_as_decimal_strings(seller_client, store):
    rng = random.Random(7)
    variants = [ProductFactory(store=store).variants.get() for _ in range(3)]
    specs = random_specs(rng, variants, 80, days=60)
    specs = [(timezone.now() - (NOW - at), *rest) for at, *rest in specs]
    place_orders(store, specs)

    response = seller_client.get(reverse("sellers:analytics_csv"), {"days": "30", "group": "week"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5 * 3  # 5 spans of 7 days (the last one of 2), 3 currencies
    figures = store_analytics(store=store, now=timezone.now(), days=30, grouping="week")
    first = figures.period.first_day
    for row in rows:
        assert row["first_day"] == (first + timedelta(days=7 * (rows.index(row) // 3))).isoformat()
    totals = defaultdict(Decimal)
    for at, status, currency, lines in specs:
        if status not in NOT_SALES and at.astimezone(ZoneInfo(store.time_zone)).date() >= first:
            totals[currency] += sum((Decimal(p) * q for _v, q, p in lines), Decimal("0"))
    for currency in ("GNF", "KES", "PKR"):
        assert sum(Decimal(r["revenue"]) for r in rows if r["currency"] == currency) == totals[currency]
    gnf = [r["revenue"] for r in rows if r["currency"] == "GNF"]
    assert all("." not in amount for amount in gnf)  # francs have no decimals
    assert all(len(r["revenue"].split(".")[1]) == 2 for r in rows if r["currency"] == "KES")


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("sellers:analytics"), {"days": "90", "group": "week"}).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_10_orders_as_for_200(client, django_assert_num_queries):
    rng = random.Random(200)
    quiet, busy = StoreFactory(time_zone="Africa/Nairobi"), StoreFactory(time_zone="Asia/Karachi")
    for store, count, products in ((quiet, 10, 2), (busy, 200, 12)):
        variants = [ProductFactory(store=store).variants.get() for _ in range(products)]
        specs = [(timezone.now() - (NOW - at), *rest) for at, *rest in random_specs(rng, variants, count)]
        orders = place_orders(store, specs)
        buyer = orders[0].buyer
        Conversation.objects.create(buyer=buyer, store=store)
    client.force_login(quiet.memberships.get().user)
    queries(client)
    baseline = queries(client)
    client.force_login(busy.memberships.get().user)
    queries(client)

    with django_assert_num_queries(baseline):
        response = client.get(reverse("sellers:analytics"), {"days": "90", "group": "week"})

    assert response.context["figures"].orders > 50


def _stats(product, day, views, adds):
    ProductDayStats.objects.create(product=product, day=day, views=views, cart_adds=adds)


def test_orders_without_a_view_or_add_never_make_the_funnel_pass_100_percent(seller_client, store):
    """13 orders (the app, a chat offer, an auction) and no view or add recorded: the funnel
    counts none of them as converted, and says where they came from."""
    variant = ProductFactory(store=store, variants__stock=50).variants.get()
    place_orders(store, [(timezone.now() - timedelta(hours=n), OrderStatus.CONFIRMED, "KES", [(variant, 1, "250")]) for n in range(13)])

    response = seller_client.get(reverse("sellers:analytics"))

    conversion = response.context["figures"].conversion
    assert (conversion.views, conversion.cart_adds, conversion.orders, conversion.orders_elsewhere) == (0, 0, 0, 13)
    assert conversion.ordered_rate is None and conversion.added_rate is None
    assert "142.9" not in response.content.decode() and 'data-testid="orders-elsewhere"' in response.content.decode()


@pytest.mark.parametrize("seed", range(4))
def test_no_funnel_step_exceeds_the_step_before(store, seed):
    """Random views, adds and orders (some won at auction, some with no view at all) per
    product and day: every step is at most the one before, every rate at most 100 %, and
    the orders matched plus the orders that came another way are all the products' orders."""
    rng = random.Random(seed)
    zone = ZoneInfo(store.time_zone)
    today = NOW.astimezone(zone).date()
    variants = [ProductFactory(store=store, variants__stock=50).variants.get() for _ in range(4)]
    specs = []
    for variant in variants:
        for back in range(30):
            day = today - timedelta(days=back)
            if rng.random() < 0.6:
                _stats(variant.product, day, rng.randint(0, 6), rng.randint(0, 6))
            for _ in range(rng.choice([0, 0, 1, 3])):
                at = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=rng.randint(0, 9))
                specs.append((at, rng.choice([OrderStatus.CONFIRMED, OrderStatus.DELIVERED]), "KES", [(variant, 1, "250")]))
    orders = place_orders(store, specs)
    won = [order.pk for order in orders if rng.random() < 0.2]
    OrderItem.objects.filter(order__in=won).update(listing_type=Product.Listing.AUCTION)

    conversion = store_analytics(store=store, now=NOW, days=30, grouping="day").conversion

    assert conversion.cart_adds <= conversion.views and conversion.orders <= conversion.cart_adds, conversion
    assert all(rate is None or rate <= 100 for rate in (conversion.added_rate, conversion.ordered_rate))
    assert conversion.orders + conversion.orders_elsewhere == len(specs)
    assert conversion.views == sum(ProductDayStats.objects.values_list("views", flat=True))
