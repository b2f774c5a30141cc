"""Addresses, the cart, the checkout and paying."""

urlpatterns: list = []
