"""A buyer's orders, invoices, returns and reviews."""

urlpatterns: list = []
