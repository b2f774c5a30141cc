from django.urls import path

from . import views

urlpatterns = [
    path("", views.reviews, name="reviews"),
    path("<int:pk>/respond/", views.review_response, name="review_respond"),
    path("feedback/<str:number>/", views.buyer_feedback, name="buyer_feedback"),
]
