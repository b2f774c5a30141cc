from django.urls import path

from . import views

app_name = "auctions"
urlpatterns = [
    path("", views.auction_list, name="list"),
    path("mine/", views.my_bids, name="mine"),
    path("<int:auction_id>/", views.auction_detail, name="detail"),
    path("<int:auction_id>/live/", views.auction_live, name="live"),
    path("<int:auction_id>/bid/", views.bid, name="bid"),
    path("<int:auction_id>/buy-now/", views.buy_now_view, name="buy_now"),
    path("<int:auction_id>/watch/", views.watch, name="watch"),
    path("<int:auction_id>/offers/<int:offer_id>/", views.offer, name="offer"),
]
