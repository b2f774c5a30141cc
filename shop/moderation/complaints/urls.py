from django.urls import path

from . import views

# Under /complaints/, in the "complaints" namespace.
app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/order/<str:number>/", views.complaint_new_order, name="new_order"),
    path("new/auction/<int:auction_id>/", views.complaint_new_auction, name="new_auction"),
    path("<str:number>/", views.complaint_detail, name="detail"),
    path("<str:number>/post/", views.complaint_post_view, name="post"),
]

# Under /dashboard/complaints/, in the "store_complaints" namespace.
store_urlpatterns = [
    path("", views.store_complaints, name="list"),
]
