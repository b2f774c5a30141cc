from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/orders/, in the "sellers" namespace.
urlpatterns = [
    path("", views.orders, name="orders"),
    path("export/", views.orders_export, name="orders_export"),
    path("<str:number>/", views.order_detail, name="order_detail"),
    path("<str:number>/live/", views.order_live, name="order_live"),
    path("<str:number>/action/", views.order_action, name="order_action"),
    path("<str:number>/delivery/", views.order_delivery, name="order_delivery"),
    path("<str:number>/delivery/withdraw/", views.order_job_withdraw, name="order_job_withdraw"),
    path("<str:number>/handover/", views.order_handover, name="order_handover"),
    path("<str:number>/packing-slip/", views.packing_slip, name="packing_slip"),
]
