"""What a change page in the admin lets staff type into, model by model.

An order's money, a payment's, a bid's, a review's stars or author, a notification or a
key that makes a request safe to repeat move through their services, which write the
ledger or the moderation log as they go; a field typed into the admin would move them
past both. Every change page's editable fields are listed here, so a field that becomes
editable, in a new model's admin or an old one's, is a decision this test asks for."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

# Configuration and content staff keep by hand; no money or history moves with them.
EDITABLE = {
    "account.EmailAddress": {"user", "email", "verified", "primary"},
    "accounts.User": {"email", "password", "display_name", "first_name", "last_name", "is_active", "is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined"},
    "auctions.BiddingBlock": {"reason"},
    "auth.Group": {"name", "permissions"},
    "catalog.Category": {"name", "name_fr", "name_sw", "name_ur", "slug", "parent", "icon", "position"},
    "catalog.Product": {"category", "kind", "title", "slug", "description", "brand", "condition", "featured"},
    "catalog.Tag": {"name"},
    "chat.Report": {"status"},
    "couriers.CourierProfile": {"user", "phone", "vehicle", "service_area", "areas", "availability", "share_location"},
    "geo.Area": {"name", "slug", "kind", "parent", "code", "latitude", "longitude"},
    "mfa.Authenticator": {"user", "type", "data", "created_at", "last_used_at"},
    "payments.PaymentFlag": {"resolution"},
    "payments.Refund": {"status", "checklist"},  # a refund finished by hand, with its checklist
    "promotions.PromoCode": {"code", "store", "kind", "amount", "currency", "min_order", "starts_at", "ends_at", "max_uses", "max_uses_per_customer", "first_order_only", "active"},
    "reviews.ReviewReport": {"closed_at"},
    "sellers.Store": {
        "name", "slug", "tagline", "description", "logo", "cover", "phone", "email", "categories", "tags", "currency",
        "time_zone", "area", "area_label", "latitude", "longitude", "delivers_local", "delivers_national",
        "delivers_international", "delivers_digital", "x_handle", "discord",
        "telegram", "ens_name", "verified",
    },
}


def editable_on_change_pages() -> dict[str, set[str]]:
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    found = {}
    for model, model_admin in admin.site._registry.items():
        record = model()
        if not model_admin.has_change_permission(request, record):
            continue
        shown = flatten_fieldsets(model_admin.get_fieldsets(request, record))
        editable = set(shown) - set(model_admin.get_readonly_fields(request, record))
        if editable:
            found[model._meta.label] = editable
    return found


def test_only_the_listed_fields_can_be_typed_into_on_a_change_page():
    assert editable_on_change_pages() == EDITABLE


def test_a_placed_order_s_money_and_dates_cannot_be_typed_into(admin_client):
    from tests.factories.orders import OrderFactory

    order = OrderFactory(promo_code="NJERI15", points_used=635)
    html = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    for field in ("promo_code", "points_used", "delivered_at", "pay_by", "funds_released_at", "total", "discount"):
        assert f'name="{field}"' not in html, field


def test_admin_pages_name_the_site_s_icon(admin_client):
    """A page that names no icon makes the browser ask for /favicon.ico, a 404 in its console."""
    for url in ("/admin/", "/admin/orders/order/"):
        assert 'rel="icon" href="/static/img/favicon' in admin_client.get(url).content.decode(), url
