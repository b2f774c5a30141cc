from django.urls import include, path

from shop.geo.views import area_options

from .. import views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("setup/", views.setup, name="setup"),
    path("switch/", views.store_switch, name="store_switch"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/location-from-photo/", views.location_from_photo, name="location_from_photo"),
    path("settings/areas/", area_options, name="area_options"),
    path("settings/ens/message/", views.ens_message, name="ens_message"),
    path("settings/ens/verify/", views.ens_verify, name="ens_verify"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.team_invite, name="team_invite"),
    path("team/<int:pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("team/invites/<int:pk>/cancel/", views.team_invite_cancel, name="team_invite_cancel"),
    path("join/<str:token>/", views.invite_accept, name="invite_accept"),
    path("products/", include("sellers.products.urls")),
    path("orders/", include("sellers.orders.urls")),
    path("returns/", include("sellers.returns.urls")),
    path("auctions/", include("sellers.auctions.urls")),
    path("messages/", include("sellers.chat.urls")),
    path("reviews/", include("sellers.reviews.urls")),
    path("analytics/", include("sellers.analytics.urls")),
    path("promotions/", include("sellers.promotions.urls")),
    path("blog/", include("sellers.blog.urls")),
    path("payouts/", include("sellers.payouts.urls")),
]
