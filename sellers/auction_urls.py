from django.urls import path

from . import auction_views

urlpatterns = [
    path("", auction_views.auctions, name="auctions"),
    path("new/", auction_views.auction_new, name="auction_new"),
    path("<int:auction_id>/", auction_views.auction_detail, name="auction_detail"),
    path("<int:auction_id>/relist/", auction_views.auction_relist_view, name="auction_relist"),
    path("<int:auction_id>/reserve-offer/", auction_views.auction_reserve_offer, name="auction_reserve_offer"),
]
