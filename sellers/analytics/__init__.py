"""The store's figures: the dashboard overview, the analytics page (/dashboard/analytics/), sales
forecasts and low-stock alerts."""
