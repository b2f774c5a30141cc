"""Sales forecasts: a backtest against the naive forecast, too little history said plainly,
the nightly job idempotent, and the page showing either."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bench.forecast import mape, seasonal_days
from sellers.analytics.selectors.forecast import Week, early_estimate, store_today
from sellers.analytics.services.forecast import enough_history, store_forecast, weeks_ahead
from sellers.models import SalesForecast
from sellers.tasks import forecasts_nightly_task
from shop.orders.models import OrderStatus
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import orders_bulk_create
from tests.html import dom

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


def test_the_model_beats_the_naive_forecast_on_seasonal_sales():
    """Eight weeks held out of a year of sales, three stores: the forecast's weekly totals
    miss by less than repeating the last week would (the MAPE of both is printed)."""
    horizon = 8
    ours, naive = [], []
    for seed in range(3):
        units = seasonal_days(seed)
        train, test = units[: -horizon * 7], units[-horizon * 7 :]
        first = TODAY - timedelta(days=len(train))
        history = {first + timedelta(days=n): u for n, u in enumerate(train) if u}
        weeks = weeks_ahead(history, today=TODAY, weeks=horizon)
        actual = [sum(test[w * 7 : w * 7 + 7]) for w in range(horizon)]
        ours.append(mape(actual, [float(week.expected) for week in weeks]))
        naive.append(mape(actual, [sum(train[-7:])] * horizon))
        assert all(week.low <= week.expected <= week.high for week in weeks)
        assert [week.starts for week in weeks] == [TODAY + timedelta(days=7 * w) for w in range(horizon)]
    print(f"backtest MAPE: model {sum(ours) / 3:.1f} %, naive {sum(naive) / 3:.1f} %")
    assert sum(ours) < sum(naive)


def test_too_little_history_is_not_forecast(settings):
    settings.SOKO_FORECAST_MIN_DAYS = 56
    sold_every_day = {TODAY - timedelta(days=n): 3 for n in range(1, 50)}
    assert not enough_history(sold_every_day, today=TODAY)
    assert not enough_history({}, today=TODAY)
    sold_rarely = {TODAY - timedelta(days=n): 3 for n in range(1, 90, 10)}  # 9 days in 90
    assert not enough_history(sold_rarely, today=TODAY)
    assert enough_history({TODAY - timedelta(days=n): 3 for n in range(1, 60)}, today=TODAY)


@pytest.fixture
def store_with_sales(db):
    """A store that sold its basket every day for 20 weeks, and a new product on 3 days."""
    store = StoreFactory(name="Mama Njeri Crafts", time_zone="Africa/Nairobi")
    basket = ProductFactory(store=store, title="Sisal basket").variants.get()
    mat = ProductFactory(store=store, title="Reed mat").variants.get()
    units = seasonal_days(7, days=140, level=4)
    specs = [
        (NOW - timedelta(days=140 - n), OrderStatus.DELIVERED, "KES", [(basket, max(u, 1), "250.00")])
        for n, u in enumerate(units)
    ]
    specs += [(NOW - timedelta(days=d), OrderStatus.DELIVERED, "KES", [(mat, 1, "900.00")]) for d in (2, 3, 5)]
    specs.append((NOW - timedelta(days=1), OrderStatus.CANCELLED, "KES", [(mat, 50, "900.00")]))  # not a sale
    orders_bulk_create(store, specs)
    return store, basket.product, mat.product


@pytest.mark.django_db
def test_a_store_gets_its_forecast_and_a_new_product_none(store_with_sales):
    store, basket, mat = store_with_sales
    assert store_forecast(store_id=store.pk, now=NOW) == 2  # the store, and the basket

    rows = {row.product_id: row for row in SalesForecast.objects.filter(store=store)}
    assert set(rows) == {None, basket.pk, mat.pk}
    assert rows[mat.pk].weeks == [] and rows[mat.pk].history_days == 3
    weeks = [Week.from_json(data) for data in rows[None].weeks]
    assert len(weeks) == 12 and weeks[0].starts == TODAY
    assert all(Decimal(0) <= week.low <= week.expected <= week.high for week in weeks)
    # The basket is all the store sells with history: both forecasts are of the same sales.
    assert rows[basket.pk].history_days == rows[None].history_days == 140


@pytest.mark.django_db
def test_the_nightly_job_is_idempotent(store_with_sales, time_machine):
    store, _basket, _mat = store_with_sales
    quiet = StoreFactory()
    SalesForecast.objects.create(store=quiet, made_on=TODAY - timedelta(days=400), history_days=1, weeks=[])
    time_machine.move_to(NOW, tick=False)

    assert forecasts_nightly_task.call_local() == 1
    first = list(SalesForecast.objects.order_by("product_id").values("store", "product", "made_on", "history_days", "weeks"))
    assert forecasts_nightly_task.call_local() == 1
    again = list(SalesForecast.objects.order_by("product_id").values("store", "product", "made_on", "history_days", "weeks"))

    assert len(first) == 3 and not SalesForecast.objects.filter(store=quiet).exists()
    assert again == first


@pytest.mark.django_db
def test_the_analytics_page_shows_the_forecast_or_says_why_not(client, store_with_sales):
    store, basket, mat = store_with_sales
    client.force_login(store.memberships.get().user)
    page = client.get(reverse("sellers:analytics"))
    # Before the night's forecast, the store's average so far, labelled as such.
    assert dom(page).has("[data-testid=early-estimate]") and not dom(page).has("[data-chart=forecast]")

    store_forecast(store_id=store.pk, now=NOW)
    page = client.get(reverse("sellers:analytics"))
    assert dom(page).has("[data-chart=forecast]")
    assert dom(page).count("[data-testid=forecast-week]") == 12
    assert "Sisal basket" in page.text
    assert "Not enough sales yet" in page.text  # the reed mat's line


@pytest.mark.django_db
def test_a_new_store_gets_an_early_estimate_instead_of_waiting_8_weeks(client):
    """Ten days old, 3 units a day but one quiet day: about 19 units a week (27 in 10 days),
    with the range a week at that rate falls in; a store that sold nothing is told why not."""
    store = StoreFactory(name="Kaloum Électronique", time_zone="Africa/Nairobi")
    variant = ProductFactory(store=store).variants.get()
    now = timezone.now()
    orders_bulk_create(store, [(now - timedelta(days=d), OrderStatus.DELIVERED, "KES", [(variant, 3, "100")]) for d in range(1, 11) if d != 4])
    client.force_login(store.memberships.get().user)

    estimate = early_estimate(store, today=store_today(store))
    page = client.get(reverse("sellers:analytics"))

    assert (estimate.units, estimate.per_week) == (27, Decimal("18.9"))
    assert estimate.low < estimate.per_week < estimate.high and estimate.low >= 0
    shown = dom(page).one("[data-testid=early-estimate]").text
    assert "Early estimate" in shown and "About 19 units a week" in shown and "first 10 days" in shown
    assert "Not enough sales yet" not in page.text

    quiet = StoreFactory()
    client.force_login(quiet.memberships.get().user)
    page = client.get(reverse("sellers:analytics"))
    assert "Not enough sales yet" in page.text and not dom(page).has("[data-testid=early-estimate]")
