"""Conversations, messages and offers."""

urlpatterns: list = []
