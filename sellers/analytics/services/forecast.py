"""Sales forecasts: the units a store, and each of its best sellers, will likely sell in each
of the next weeks, with an 80 % band.

Fitted nightly (``forecasts_nightly_task``) on up to a year of daily units sold, in the
store's own calendar, with Prophet (weekly seasonality, trend; docs/FORECAST.md says why
Prophet and how it does against a naive forecast). A week's band comes from Prophet's sampled
paths summed over the week's days, so it is the band of the week's total, not a sum of daily
bands. A store or product with too little history gets a forecast row with no weeks, and the
page says so instead of drawing a made-up line.

One store's forecasts are replaced in one transaction under the store's row lock: running the
job twice on a day leaves the same rows as running it once.
"""

import logging
import warnings
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from ...models import SalesForecast, Store
from ..selectors.forecast import Week, best_sellers, daily_units, store_today

log = logging.getLogger(__name__)

WEEKS = 12
BAND = 0.8  # the share of likely outcomes inside a week's band
SAMPLED_PATHS = 500


def enough_history(days: dict[date, int], *, today: date) -> bool:
    """At least ``SOKO_FORECAST_MIN_DAYS`` days since the first sale, and sales on at least a
    quarter of them: a line drawn from less would be made up."""
    if not days:
        return False
    span = (today - min(days)).days
    return span >= settings.SOKO_FORECAST_MIN_DAYS and len(days) >= settings.SOKO_FORECAST_MIN_DAYS // 4


def weeks_ahead(days: dict[date, int], *, today: date, weeks: int = WEEKS, seed: int = 0) -> list[Week]:
    """Forecast the ``weeks`` weeks starting today from daily units sold before today (days
    without sales are zeros). The band is sampled from ``seed``."""
    # Heavy: loaded by the worker that forecasts, never by web processes.
    import numpy as np
    import pandas as pd

    model_class = _prophet()
    first = min(days)
    history = pd.date_range(first, today - timedelta(days=1), freq="D")
    frame = pd.DataFrame({"ds": history, "y": [float(days.get(day.date(), 0)) for day in history]})
    model = model_class(
        weekly_seasonality=True,
        yearly_seasonality=len(history) >= 2 * 365,
        daily_seasonality=False,
        uncertainty_samples=0,  # the point forecast first; the paths are sampled below
    )
    model.fit(frame)
    future = pd.DataFrame({"ds": pd.date_range(today, periods=weeks * 7, freq="D")})
    expected = model.predict(future)["yhat"].to_numpy().clip(min=0)
    model.uncertainty_samples = SAMPLED_PATHS
    np.random.seed(seed)  # Prophet samples with numpy's global generator: the same day, the same band
    paths = model.predictive_samples(future)["yhat"].clip(min=0)  # days × sampled paths
    tail = (1 - BAND) / 2
    result = []
    for week in range(weeks):
        span = slice(week * 7, week * 7 + 7)
        totals = paths[span].sum(axis=0)
        point = _units(expected[span].sum())
        result.append(
            Week(
                starts=today + timedelta(days=7 * week),
                expected=point,
                # Clipping at zero can leave a slow seller's point just outside its band.
                low=min(point, _units(float(np.quantile(totals, tail)))),
                high=max(point, _units(float(np.quantile(totals, 1 - tail)))),
            )
        )
    return result


def _units(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0.0), 1)))


def _prophet():
    # Prophet logs an error when plotly is missing (plots are not used here) and cmdstanpy
    # logs every fit: keep the worker's log for what matters.
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="The inplace keyword", module="prophet")  # Prophet's own pandas call
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    get_logger().setLevel(logging.WARNING)  # cmdstanpy sets its logger up at its first call: after that

    return Prophet


def store_forecast(*, store_id: int, now: datetime | None = None) -> int:
    """Replace the store's forecasts with today's: the store's and its best sellers'. Returns
    the number of forecasts with weeks (the rest had too little history)."""
    store = Store.objects.get(pk=store_id)
    today = store_today(store, now)
    products = best_sellers(store, today=today)
    series = daily_units(store, today=today, product_ids=products)
    seed = zlib.crc32(f"{store.pk}:{today}".encode())
    fitted = {
        key: weeks_ahead(days, today=today, seed=seed) if enough_history(days, today=today) else []
        for key, days in series.items()
    }
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()
        SalesForecast.objects.filter(store=store).delete()
        SalesForecast.objects.bulk_create(
            SalesForecast(
                store=store,
                product_id=key,
                made_on=today,
                history_days=len(series[key]),
                weeks=[week.as_json() for week in weeks],
            )
            for key, weeks in fitted.items()
        )
    return sum(1 for weeks in fitted.values() if weeks)


def forecasts_prune(*, keep: list[int]) -> int:
    return SalesForecast.objects.exclude(store_id__in=keep).delete()[0]


