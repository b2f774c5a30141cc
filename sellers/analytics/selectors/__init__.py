"""Reads: the analytics page's figures, the dashboard overview and the stored forecasts."""
