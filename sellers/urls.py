from django.urls import include, path

from shop.geo.views import area_options

from . import analytics_views, blog_views, payouts_views, promotion_views, views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("setup/", views.setup, name="setup"),
    path("switch/", views.store_switch, name="store_switch"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/location-from-photo/", views.location_from_photo, name="location_from_photo"),
    path("settings/areas/", area_options, name="area_options"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.team_invite, name="team_invite"),
    path("team/<int:pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("team/invites/<int:pk>/cancel/", views.team_invite_cancel, name="team_invite_cancel"),
    path("join/<str:token>/", views.invite_accept, name="invite_accept"),
    path("products/", include("sellers.product_urls")),
    path("orders/", include("sellers.order_urls")),
    path("returns/", include("sellers.return_urls")),
    path("auctions/", include("sellers.auction_urls")),
    path("messages/", include("sellers.chat_urls")),
    path("reviews/", include("sellers.review_urls")),
    path("analytics/", analytics_views.analytics, name="analytics"),
    path("promotions/", promotion_views.promotions, name="promotions"),
    path("blog/", blog_views.blog, name="blog"),
    path("blog/new/", blog_views.blog_edit, name="blog_new"),
    path("blog/<int:pk>/", blog_views.blog_edit, name="blog_edit"),
    path("blog/<int:pk>/publish/", blog_views.blog_publish, name="blog_publish"),
    path("blog/<int:pk>/unpublish/", blog_views.blog_unpublish, name="blog_unpublish"),
    path("blog/<int:pk>/delete/", blog_views.blog_delete, name="blog_delete"),
    path("promotions/<int:pk>/stop/", promotion_views.sale_stop_view, name="sale_stop"),
    path("promotions/codes/<int:pk>/stop/", promotion_views.promo_code_stop_view, name="promo_code_stop"),
    path("analytics/sales.csv", analytics_views.analytics_csv, name="analytics_csv"),
    path("payouts/", payouts_views.payouts, name="payouts"),
    path("payouts/connect/", payouts_views.connect_start, name="payouts_connect"),
    path("payouts/connect/return/", payouts_views.connect_return, name="payouts_connect_return"),
    path("payouts/connect/refresh/", payouts_views.connect_refresh_link, name="payouts_connect_refresh"),
]
