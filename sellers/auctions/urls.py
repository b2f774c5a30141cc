from django.urls import path

from . import views

urlpatterns = [
    path("", views.auctions, name="auctions"),
    path("new/", views.auction_new, name="auction_new"),
    path("<int:auction_id>/", views.auction_detail, name="auction_detail"),
    path("<int:auction_id>/relist/", views.auction_relist_view, name="auction_relist"),
    path("<int:auction_id>/reserve-offer/", views.auction_reserve_offer, name="auction_reserve_offer"),
]
