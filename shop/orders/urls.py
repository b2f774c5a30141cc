from django.urls import path

from . import invoice_views, views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/live/", views.order_live, name="live"),
    path("<str:number>/cancel/", views.order_cancel, name="cancel"),
    path("<str:number>/received/", views.order_receive, name="receive"),
    path("<str:number>/note/", views.order_note, name="note"),
    path("<str:number>/reorder/", views.order_reorder_view, name="reorder"),
    path("<str:number>/handover/renew/", views.handover_renew, name="handover_renew"),
    path("<str:number>/invoice.pdf", invoice_views.invoice_download, name="invoice"),
    path("<str:number>/credit-notes/<str:note>.pdf", invoice_views.credit_note_download, name="credit_note"),
]
