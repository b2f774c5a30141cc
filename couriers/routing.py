from django.urls import path

from .consumers import JobBoardConsumer

websocket_urlpatterns = [path("ws/jobs/", JobBoardConsumer.as_asgi())]
