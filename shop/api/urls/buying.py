"""Addresses, the cart, the checkout and paying."""

from django.urls import path

from ..views import addresses, cart, checkout, payments

urlpatterns = [
    path("addresses/", addresses.AddressList.as_view(), name="addresses"),
    path("addresses/<int:pk>/", addresses.AddressDetail.as_view(), name="address"),
    path("me/location/", addresses.Location.as_view(), name="location"),
    path("cart/", cart.CartDetail.as_view(), name="cart"),
    path("cart/lines/", cart.CartLines.as_view(), name="cart_lines"),
    path("cart/lines/<int:pk>/", cart.CartLine.as_view(), name="cart_line"),
    path("checkout/quote/", checkout.Quote.as_view(), name="checkout_quote"),
    path("checkout/", checkout.Place.as_view(), name="checkout"),
    path("checkouts/<int:pk>/payment-methods/", payments.PaymentMethods.as_view(), name="payment_methods"),
    path("checkouts/<int:pk>/payments/", payments.PaymentStartView.as_view(), name="payments"),
    path("checkouts/<int:pk>/payment/", payments.PaymentState.as_view(), name="payment"),
]
