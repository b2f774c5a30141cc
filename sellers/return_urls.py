from django.urls import path

from . import return_views

# Included by sellers/urls.py under /dashboard/returns/, in the "sellers" namespace.
urlpatterns = [
    path("", return_views.returns, name="returns"),
    path("<int:pk>/", return_views.return_detail, name="return_detail"),
    path("<int:pk>/live/", return_views.return_live, name="return_live"),
    path("<int:pk>/approve/", return_views.return_approve_view, name="return_approve"),
    path("<int:pk>/reject/", return_views.return_reject_view, name="return_reject"),
    path("<int:pk>/receive/", return_views.return_receive_view, name="return_receive"),
    path("<int:pk>/accept/", return_views.return_accept_view, name="return_accept"),
    path("<int:pk>/dispute/", return_views.return_dispute_view, name="return_dispute"),
    path("<int:pk>/restock/", return_views.return_restock_view, name="return_restock"),
    path("<int:pk>/refund/", return_views.return_refund_view, name="return_refund"),
]
