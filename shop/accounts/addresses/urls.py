from django.urls import path

from shop.accounts.addresses import views
from shop.geo.views import area_options

urlpatterns = [
    path("addresses/", views.address_list, name="addresses"),
    path("addresses/new/", views.address_add, name="address_add"),
    path("addresses/areas/", area_options, name="address_area_options"),
    path("addresses/<int:pk>/edit/", views.address_edit, name="address_edit"),
    path("addresses/<int:pk>/delete/", views.address_remove, name="address_delete"),
    path("addresses/<int:pk>/default/", views.address_default, name="address_default"),
]
