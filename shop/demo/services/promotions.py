"""Demo promotions for `manage.py seed_demo`, through the real services: a week-long sale
running on three of a demo store's listings (not those a shopper is haggling over in an open
chat offer, whose asking price stays the one offered against), the store's own promo code,
Soko's welcome code for a first order, and loyalty points for the demo buyer, earned by
confirming receipt of their collected orders.

Idempotent: when the demo store has any sale, nothing is done; an order completes once.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from sellers.models import Store
from shop.catalog.models import Product
from shop.chat.models import Offer, OfferLine
from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import order_transition
from shop.promotions.models import PromoCode, Sale
from shop.promotions.services.codes import promo_code_create
from shop.promotions.services.sales import SaleInput, sale_create, sale_start

SALE_STORE = "mama-njeri-crafts"
POINTS_BUYER = "buyer@soko.test"
WELCOME = "KARIBU10"


def seed_promotions() -> dict:
    completed = _demo_points()
    store = Store.objects.filter(slug=SALE_STORE).first()
    if store is None or Sale.objects.filter(store=store).exists():
        return {"new_sales": 0, "new_codes": 0, "completed": completed}
    now = timezone.now()
    owner = store.memberships.order_by("pk").first().user
    haggled = OfferLine.objects.filter(offer__status=Offer.Status.OPEN).values("variant__product_id")
    products = tuple(
        Product.objects.visible().filter(store=store, listing_type=Product.Listing.FIXED).exclude(pk__in=haggled).order_by("pk")[:3]
    )
    sale = sale_create(
        store=store, user=owner, now=now,
        data=SaleInput(name="Week of baskets", kind="percent", amount=Decimal("20"), starts_at=now, ends_at=now + timedelta(days=7), products=products),
    )
    sale_start(sale_id=sale.pk, now=now)
    promo_code_create(
        store=store, user=owner,
        fields={"code": "NJERI15", "kind": "percent", "amount": Decimal("15"), "min_order": Decimal("1500"), "starts_at": now,
                "ends_at": now + timedelta(days=30), "max_uses": 100, "max_uses_per_customer": 1, "first_order_only": False},
    )
    PromoCode.objects.get_or_create(
        code=WELCOME,
        defaults={"kind": "fixed", "amount": Decimal("100"), "currency": "KES", "min_order": Decimal("500"), "starts_at": now,
                  "max_uses_per_customer": 1, "first_order_only": True},
    )
    return {"new_sales": 1, "new_codes": 2, "completed": completed}


def _demo_points() -> int:
    """The demo buyer confirms receipt of their collected orders (those without a return),
    which earns them points; returns how many completed."""
    buyer = get_user_model().objects.filter(email=POINTS_BUYER).first()
    if buyer is None:
        return 0
    collected = Order.objects.filter(buyer=buyer, status=OrderStatus.DELIVERED, returns__isnull=True).order_by("pk")
    for order in collected:
        order_transition(order=order, to=OrderStatus.COMPLETED, actor=buyer, role="buyer")
    return len(collected)
