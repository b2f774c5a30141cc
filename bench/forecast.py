"""Forecast library comparison: Prophet against statsforecast on generated seasonal sales.

    .venv/bin/python bench/forecast.py                        # Prophet, as sellers.analytics.services.forecast uses it
    python -m venv /tmp/sf && /tmp/sf/bin/pip install statsforecast==2.1.1
    /tmp/sf/bin/python bench/forecast.py --library statsforecast

What it does: makes ``--series`` stores' daily sales for a year (a weekly pattern with a busy
weekend, a rising trend, a quarterly swell, Poisson noise), holds out the last ``--weeks``
weeks, fits the library on the rest and forecasts them; then prints the first fit's seconds
(imports and compilation included), the median fit's seconds after it, and the mean absolute
percentage error (MAPE) of the weekly totals against the naive forecast (each week sells what
the last week did). Needs only the library, numpy and pandas (not Django). The figures and the
choice are in docs/FORECAST.md.
"""

import argparse
import statistics
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd


def seasonal_days(seed: int, *, days: int = 364, level: float = 20.0) -> list[int]:
    """Daily units with a weekly pattern (a busy weekend), a rising trend, a quarterly swell
    and Poisson noise: what a growing store's sales look like."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekly = np.array([0.8, 0.85, 0.9, 1.0, 1.2, 1.5, 1.1])[(t + seed) % 7]
    mean = level * weekly * (1 + 0.6 * t / days) * (1 + 0.15 * np.sin(2 * np.pi * t / 91))
    return [int(units) for units in rng.poisson(mean)]


def mape(actual, forecast) -> float:
    return 100 * sum(abs(a - f) / a for a, f in zip(actual, forecast, strict=True)) / len(actual)


def weekly(values) -> list[float]:
    return [float(sum(values[week : week + 7])) for week in range(0, len(values), 7)]


def prophet_days(train: list[int], first: date, horizon: int) -> list[float]:
    """The point forecast as sellers.analytics.services.forecast.weeks_ahead fits it."""
    import logging

    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    get_logger().setLevel(logging.WARNING)

    model = Prophet(weekly_seasonality=True, yearly_seasonality=False, daily_seasonality=False, uncertainty_samples=0)
    model.fit(pd.DataFrame({"ds": pd.date_range(first, periods=len(train), freq="D"), "y": [float(u) for u in train]}))
    future = pd.DataFrame({"ds": pd.date_range(first + timedelta(days=len(train)), periods=horizon, freq="D")})
    return list(model.predict(future)["yhat"].clip(lower=0))


def statsforecast_days(train: list[int], first: date, horizon: int) -> list[float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = pd.DataFrame(
        {"unique_id": "store", "ds": pd.date_range(first, periods=len(train), freq="D"), "y": [float(u) for u in train]}
    )
    result = StatsForecast(models=[AutoETS(season_length=7)], freq="D").forecast(df=frame, h=horizon, level=[80])
    return list(result["AutoETS"].clip(lower=0))


LIBRARIES = {"prophet": prophet_days, "statsforecast": statsforecast_days}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", choices=sorted(LIBRARIES), default="prophet")
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    forecast = LIBRARIES[args.library]
    horizon = args.weeks * 7
    seconds, ours, naive = [], [], []
    for seed in range(args.series):
        units = seasonal_days(seed)
        train, test = units[:-horizon], units[-horizon:]
        started = time.perf_counter()
        days = forecast(train, date(2025, 1, 6), horizon)
        seconds.append(time.perf_counter() - started)
        actual = weekly(test)
        ours.append(mape(actual, weekly(days)))
        naive.append(mape(actual, [float(sum(train[-7:]))] * args.weeks))
    print(f"{args.library}: {args.series} series, {args.weeks} weeks held out")
    print(f"  first fit {seconds[0]:.2f} s (imports and compilation included), median fit after it {statistics.median(seconds[1:]):.3f} s")
    print(f"  MAPE of weekly totals: {statistics.mean(ours):.1f} % (naive last week: {statistics.mean(naive):.1f} %)")


if __name__ == "__main__":
    main()
