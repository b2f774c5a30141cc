from django.urls import path

from . import chat_views

urlpatterns = [
    path("", chat_views.chat_inbox, name="chat_inbox"),
    path("replies/", chat_views.chat_replies, name="chat_replies"),
    path("replies/<int:pk>/delete/", chat_views.chat_reply_delete, name="chat_reply_delete"),
]
