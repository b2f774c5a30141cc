from django.urls import path

from . import order_views

# Included by sellers/urls.py under /dashboard/orders/, in the "sellers" namespace.
urlpatterns = [
    path("", order_views.orders, name="orders"),
    path("<str:number>/", order_views.order_detail, name="order_detail"),
    path("<str:number>/live/", order_views.order_live, name="order_live"),
    path("<str:number>/action/", order_views.order_action, name="order_action"),
    path("<str:number>/delivery/", order_views.order_delivery, name="order_delivery"),
    path("<str:number>/delivery/withdraw/", order_views.order_job_withdraw, name="order_job_withdraw"),
    path("<str:number>/handover/", order_views.order_handover, name="order_handover"),
    path("<str:number>/packing-slip/", order_views.packing_slip, name="packing_slip"),
]
