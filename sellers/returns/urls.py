from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/returns/, in the "sellers" namespace.
urlpatterns = [
    path("", views.returns, name="returns"),
    path("<int:pk>/", views.return_detail, name="return_detail"),
    path("<int:pk>/live/", views.return_live, name="return_live"),
    path("<int:pk>/approve/", views.return_approve_view, name="return_approve"),
    path("<int:pk>/reject/", views.return_reject_view, name="return_reject"),
    path("<int:pk>/receive/", views.return_receive_view, name="return_receive"),
    path("<int:pk>/accept/", views.return_accept_view, name="return_accept"),
    path("<int:pk>/dispute/", views.return_dispute_view, name="return_dispute"),
    path("<int:pk>/restock/", views.return_restock_view, name="return_restock"),
    path("<int:pk>/refund/", views.return_refund_view, name="return_refund"),
]
