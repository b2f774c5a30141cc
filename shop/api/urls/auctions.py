"""Auctions, bids and watching."""

urlpatterns: list = []
