from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("order/<str:number>/", views.order_page, name="order"),
    path("order/<str:number>/line/<int:item_id>/", views.review_post, name="line"),
    path("order/<str:number>/store/", views.review_post, name="store"),
    path("order/<str:number>/courier/", views.courier_post, name="courier"),
    path("product/<int:product_id>/", views.product_reviews, name="product"),
    path("<int:pk>/helpful/", views.helpful, name="helpful"),
    path("<int:pk>/report/", views.report, name="report"),
    path("feedback/", views.feedback, name="feedback"),
]
