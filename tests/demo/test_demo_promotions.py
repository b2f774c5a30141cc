import pytest
from django.core.management import call_command

from shop.accounts.models import User
from shop.catalog.models import Variant
from shop.chat.models import Offer, OfferLine
from shop.promotions.models import LoyaltyEntry, PromoCode, Sale, SaleItem
from shop.promotions.services.loyalty import points_balance

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_sale_running_and_codes_to_try(demo):
    sale = Sale.objects.get()
    assert (sale.store.slug, sale.status) == ("mama-njeri-crafts", Sale.Status.RUNNING)
    items = list(SaleItem.objects.filter(sale=sale))
    assert len(items) >= 3
    for item in items:
        variant = Variant.objects.get(pk=item.variant_id)
        assert variant.price == item.sale_price < item.price_before <= variant.compare_at_price
    haggled = set(OfferLine.objects.filter(offer__status=Offer.Status.OPEN).values_list("variant__product_id", flat=True))
    assert haggled and not haggled & set(sale.products.values_list("pk", flat=True))
    assert set(PromoCode.objects.values_list("code", flat=True)) == {"NJERI15", "KARIBU10"}

    buyer = User.objects.get(email="buyer@soko.test")
    earned = LoyaltyEntry.objects.filter(user=buyer, kind=LoyaltyEntry.Kind.EARNED)
    assert earned.exists() and all(entry.order.status == "completed" for entry in earned)
    balance = points_balance(user=buyer, currency="KES")
    assert balance == sum(earned.filter(currency="KES").values_list("points", flat=True)) > 0

    call_command("seed_demo")  # twice: nothing more
    assert (Sale.objects.count(), PromoCode.objects.count()) == (1, 2)
    assert points_balance(user=buyer, currency="KES") == balance
