"""A seller's stores, listings, orders, payouts and promotions."""

from django.urls import path

from ..views.selling import money, orders, products, promotions, stores

urlpatterns = [
    path("seller/stores/", stores.StoreList.as_view(), name="seller_stores"),
    path("seller/stores/<slug:slug>/", stores.StoreDetail.as_view(), name="seller_store"),
    path("seller/stores/<slug:slug>/team/", stores.Team.as_view(), name="seller_team"),
    path("seller/stores/<slug:slug>/team/invites/", stores.TeamInvite.as_view(), name="seller_team_invite"),
    path("seller/stores/<slug:slug>/products/", products.StoreProductList.as_view(), name="seller_products"),
    path("seller/products/<int:pk>/", products.ProductDetail.as_view(), name="seller_product"),
    path("seller/products/<int:pk>/variants/", products.VariantCreate.as_view(), name="seller_variants"),
    path("seller/products/<int:pk>/images/", products.PictureCreate.as_view(), name="seller_images"),
    path("seller/variants/<int:pk>/", products.VariantDetail.as_view(), name="seller_variant"),
    path("seller/variants/<int:pk>/stock/", products.VariantStock.as_view(), name="seller_variant_stock"),
    path("seller/images/<int:pk>/", products.PictureDetail.as_view(), name="seller_image"),
    path("seller/stores/<slug:slug>/orders/", orders.StoreOrderList.as_view(), name="seller_orders"),
    path("seller/orders/<str:number>/", orders.OrderDetail.as_view(), name="seller_order"),
    path("seller/orders/<str:number>/transitions/", orders.OrderTransition.as_view(), name="seller_order_transitions"),
    path("seller/orders/<str:number>/delivery/", orders.OrderDelivery.as_view(), name="seller_order_delivery"),
    path("seller/stores/<slug:slug>/payouts/", money.Payouts.as_view(), name="seller_payouts"),
    path("seller/stores/<slug:slug>/ledger/", money.Ledger.as_view(), name="seller_ledger"),
    path("seller/stores/<slug:slug>/promotions/", promotions.Sales.as_view(), name="seller_promotions"),
    path("seller/stores/<slug:slug>/promo-codes/", promotions.PromoCodes.as_view(), name="seller_promo_codes"),
]
