from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("", views.return_list, name="list"),
    path("new/<str:number>/", views.return_new, name="new"),
    path("order/<str:number>/live/", views.order_box, name="order_box"),
    path("<int:pk>/", views.return_detail, name="detail"),
    path("<int:pk>/live/", views.return_live, name="live"),
    path("<int:pk>/escalate/", views.return_escalate_view, name="escalate"),
    path("<int:pk>/cancel/", views.return_cancel_view, name="cancel"),
]
