from django.urls import path

from . import views

urlpatterns = [
    path("", views.chat_inbox, name="chat_inbox"),
    path("replies/", views.chat_replies, name="chat_replies"),
    path("replies/<int:pk>/delete/", views.chat_reply_delete, name="chat_reply_delete"),
]
