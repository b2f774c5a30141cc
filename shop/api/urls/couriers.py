"""Couriers' jobs and earnings, and ENS names."""

urlpatterns: list = []
