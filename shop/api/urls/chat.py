"""Conversations, messages and offers."""

from django.urls import path

from ..views import chat

urlpatterns = [
    path("conversations/", chat.ConversationList.as_view(), name="conversations"),
    path("conversations/<int:pk>/", chat.ConversationDetail.as_view(), name="conversation"),
    path("conversations/<int:pk>/messages/", chat.MessageList.as_view(), name="conversation_messages"),
    path("conversations/<int:pk>/offers/", chat.OfferCreate.as_view(), name="conversation_offers"),
    path("offers/<int:pk>/accept/", chat.OfferAcceptView.as_view(), name="offer_accept"),
    path("offers/<int:pk>/decline/", chat.OfferDeclineView.as_view(), name="offer_decline"),
]
