"""A seller's stores, listings, orders, payouts and promotions."""

urlpatterns: list = []
