from django.urls import path

from . import review_views

urlpatterns = [
    path("", review_views.reviews, name="reviews"),
    path("<int:pk>/respond/", review_views.review_response, name="review_respond"),
    path("feedback/<str:number>/", review_views.buyer_feedback, name="buyer_feedback"),
]
