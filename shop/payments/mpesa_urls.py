"""Filled in by the gateway module."""

urlpatterns: list = []
