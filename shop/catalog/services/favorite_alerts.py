"""Shoppers hear when a favourite product drops in price or comes back in stock: a bell
notification pushed live and an email, in the shopper's language, once per change.

Each favourite keeps what its shopper was last told (``price_seen``, ``in_stock_seen``). A
sweep every few minutes compares them with the product: a lower lowest price, or stock again
after none, is claimed by a conditional update on the favourite (two sweeps at once tell the
shopper once), then told. A price that rises, or stock that runs out, is only noted, so the
next drop or return is news again. A favourite saved before this existed, or a price never
seen, is noted silently at the first sweep.
"""

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shop.catalog.models import Favorite, Product
from shop.core.selectors.i18n import lazy_text
from shop.core.selectors.money import lazy_money
from shop.notifications.services.notifications import notify

PRICE_DROP = "price_drop"
BACK_IN_STOCK = "back"


def favorite_alerts_sweep() -> tuple[int, int]:
    """Tell shoppers of new price drops and returns to stock. Returns (drops, returns) told."""
    _note_silently()
    visible = Q(product__status__in=Product.VISIBLE_STATUSES)
    back = (
        Favorite.objects.filter(visible, in_stock_seen=False, product__in_stock=True)
        .select_related("product__store", "user")
        .order_by("pk")
    )
    told_back = sum(_tell_back(favorite) for favorite in back)
    drops = (
        Favorite.objects.filter(visible, product__in_stock=True, product__min_price__lt=F("price_seen"))
        .select_related("product__store", "user")
        .order_by("pk")
    )
    told_drops = sum(_tell_drop(favorite) for favorite in drops)
    return told_drops, told_back


def _note_silently() -> None:
    """Note rises, stock running out and favourites never seen, without telling anyone."""
    product = Product.objects.filter(pk=OuterRef("product_id"))
    lowest = Subquery(product.values("min_price")[:1])
    Favorite.objects.filter(
        Q(price_seen__isnull=True) | Q(product__min_price__gt=F("price_seen")), product__min_price__isnull=False
    ).update(price_seen=lowest)
    Favorite.objects.filter(product__isnull=False, in_stock_seen__isnull=True).update(in_stock_seen=Subquery(product.values("in_stock")[:1]))
    Favorite.objects.filter(in_stock_seen=True, product__in_stock=False).update(in_stock_seen=False)


def _url(product: Product) -> str:
    return reverse("catalog:product", args=[product.slug])


def _tell_drop(favorite: Favorite) -> bool:
    product = favorite.product
    with transaction.atomic():
        claimed = Favorite.objects.filter(pk=favorite.pk, price_seen=favorite.price_seen).update(
            price_seen=product.min_price, change=PRICE_DROP, price_before=favorite.price_seen, changed_at=timezone.now()
        )
        if not claimed:
            return False
        currency = product.store.currency
        text = lazy_text(
            gettext_lazy("Price drop on a favourite: %(product)s is now %(price)s (was %(before)s)."),
            product=product.title, price=lazy_money(product.min_price, currency), before=lazy_money(favorite.price_seen, currency),
        )
        notify(user=favorite.user, kind="favorite", text=text, url=_url(product), email=True)
    return True


def _tell_back(favorite: Favorite) -> bool:
    product = favorite.product
    with transaction.atomic():
        # Its price now is part of the news: a lower one is not told again as a drop.
        claimed = Favorite.objects.filter(pk=favorite.pk, in_stock_seen=False).update(
            in_stock_seen=True, price_seen=product.min_price, change=BACK_IN_STOCK, price_before=None, changed_at=timezone.now()
        )
        if not claimed:
            return False
        text = lazy_text(gettext_lazy("Back in stock: %(product)s, one of your favourites."), product=product.title)
        notify(user=favorite.user, kind="favorite", text=text, url=_url(product), email=True)
    return True
