"""The nightly sales forecasts (``forecast``) and the low-stock alerts (``stock_alerts``)."""
