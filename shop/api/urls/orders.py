"""A buyer's orders, invoices, returns and reviews."""

from django.urls import path

from ..views import orders, returns, reviews

urlpatterns = [
    path("orders/", orders.OrderList.as_view(), name="orders"),
    path("orders/<str:number>/", orders.OrderDetail.as_view(), name="order"),
    path("orders/<str:number>/cancel/", orders.OrderCancel.as_view(), name="order_cancel"),
    path("orders/<str:number>/confirm/", orders.OrderConfirm.as_view(), name="order_confirm"),
    path("orders/<str:number>/invoice/", orders.OrderInvoice.as_view(), name="order_invoice"),
    path(
        "orders/<str:number>/credit-notes/<int:credit_note_id>/",
        orders.OrderCreditNote.as_view(),
        name="order_credit_note",
    ),
    path("orders/<str:number>/returns/", returns.ReturnCreate.as_view(), name="order_returns"),
    path("orders/<str:number>/reviews/", reviews.OrderReviewSave.as_view(), name="order_reviews"),
    path("returns/", returns.ReturnList.as_view(), name="returns"),
    path("returns/<int:return_id>/", returns.ReturnDetail.as_view(), name="return"),
    path("products/<slug:slug>/reviews/", reviews.ProductReviewList.as_view(), name="product_reviews"),
    path("feedback/", reviews.FeedbackList.as_view(), name="feedback"),
]
