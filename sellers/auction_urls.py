from django.urls import path

from . import auction_views

urlpatterns = [
    path("", auction_views.auctions, name="auctions"),
    path("<int:auction_id>/", auction_views.auction_detail, name="auction_detail"),
]
