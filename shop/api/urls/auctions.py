"""Auctions, bids and watching."""

from django.urls import path

from ..views import auctions

urlpatterns = [
    path("auctions/", auctions.AuctionList.as_view(), name="auctions"),
    path("auctions/<int:pk>/", auctions.AuctionDetail.as_view(), name="auction"),
    path("auctions/<int:pk>/bids/", auctions.AuctionBid.as_view(), name="auction_bids"),
    path("auctions/<int:pk>/buy-now/", auctions.AuctionBuyNow.as_view(), name="auction_buy_now"),
    path("auctions/<int:pk>/watch/", auctions.AuctionWatch.as_view(), name="auction_watch"),
]
