from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("start/", views.start, name="start"),
    path("delivery/<int:job_id>/", views.delivery_start, name="delivery_start"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/since/", views.since, name="since"),
    path("<int:conversation_id>/send/", views.send, name="send"),
    path("<int:conversation_id>/read/", views.read, name="read"),
    path("<int:conversation_id>/mute/", views.mute, name="mute"),
    path("<int:conversation_id>/block/", views.block, name="block"),
    path("<int:conversation_id>/report/", views.report, name="report"),
    path("<int:conversation_id>/offers/new/", views.offer_new, name="offer_new"),
    path("<int:conversation_id>/offers/<int:offer_id>/accept/", views.offer_accept_view, name="offer_accept"),
    path("<int:conversation_id>/offers/<int:offer_id>/decline/", views.offer_decline_view, name="offer_decline"),
    path("unread/", views.unread_badge, name="unread"),
]
