"""Reads of carts: the cart grouped by store with Decimal subtotals, each line flagged when
it cannot be bought as the shopper saw it (gone, sold out, short, or its price changed)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from sellers.models import Store
from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.selectors import pictures_for_variant
from shop.core.templatetags.money import money
from shop.core.units import units_count, units_count_in

from .models import Cart, CartItem
from .services import guest_token, variant_label


@dataclass
class CartLine:
    item: CartItem

    @property
    def variant(self):
        return self.item.variant

    @property
    def product(self):
        return self.item.variant.product

    @property
    def label(self) -> str:
        return variant_label(self.variant)

    @property
    def quantity(self) -> int:
        return self.item.quantity

    @property
    def unit_price(self) -> Decimal:
        return self.variant.price

    @property
    def line_total(self) -> Decimal:
        return self.variant.price * self.item.quantity

    @property
    def image(self):
        """The picture of the variant in the cart, else the product's first."""
        images = pictures_for_variant(self.product.images.all(), self.variant)
        return images[0].image if images else None

    @property
    def unavailable(self) -> bool:
        return self.product.status != Product.Status.ACTIVE

    @property
    def sold_out(self) -> bool:
        return not self.unavailable and self.variant.stock <= 0

    @property
    def short(self) -> bool:
        """Fewer on hand than the line asks for (but some)."""
        return 0 < self.variant.stock < self.item.quantity

    @property
    def price_changed(self) -> bool:
        return self.item.unit_price_seen != self.variant.price

    @property
    def buyable(self) -> bool:
        """Counted in the totals: it exists and some are on hand."""
        return not (self.unavailable or self.sold_out)

    @property
    def problem(self) -> str:
        """Why this line stops the checkout, in a sentence; empty when it does not."""
        if self.unavailable:
            return f"No longer available: {self.label}. Remove it to check out."
        if self.sold_out:
            return f"Sold out: {self.label}. Remove it to check out."
        if self.short:
            return f"Only {self.variant.stock} of {self.label} left: lower the quantity to check out."
        if self.price_changed:
            return f"The price of {self.label} changed from {money(self.item.unit_price_seen)} to {money(self.variant.price)}: accept it or remove the item."
        return ""


@dataclass
class StoreGroup:
    store: Store
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines if line.buyable), Decimal("0"))

    @property
    def count(self) -> int:
        return units_count(self.lines)

    @property
    def delivers(self) -> bool:
        """Home delivery is offered (pick-up at the store always is)."""
        return self.store.delivers_local or self.store.delivers_national


@dataclass
class CartSummary:
    cart: Cart | None
    groups: list[StoreGroup]

    @property
    def lines(self) -> list[CartLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def count(self) -> int:
        return units_count(self.lines)

    @property
    def total(self) -> Decimal:
        return sum((group.subtotal for group in self.groups), Decimal("0"))

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]

    @property
    def is_empty(self) -> bool:
        return not self.groups


def cart_summary(*, cart: Cart | None) -> CartSummary:
    """The cart's lines grouped by store (stores in the order their first line was added),
    in a fixed number of queries however many lines and stores there are."""
    if cart is None:
        return CartSummary(cart=None, groups=[])
    items = (
        CartItem.objects.filter(cart=cart)
        .select_related("variant__product__store")
        .prefetch_related(
            Prefetch(
                "variant__product__images",
                queryset=ProductImage.objects.select_related("image").order_by("position", "id"),
            )
        )
        .order_by("added_at", "id")
    )
    groups: dict[int, StoreGroup] = {}
    for item in items:
        store = item.variant.product.store
        groups.setdefault(store.pk, StoreGroup(store=store)).lines.append(CartLine(item=item))
    return CartSummary(cart=cart, groups=list(groups.values()))


def cart_item_get_for_cart(*, cart: Cart | None, item_id) -> CartItem:
    """A line of this cart; anyone else's line (or none) is a 404."""
    if cart is None or not str(item_id).isdigit():
        raise Http404("No such item in your cart.")
    return get_object_or_404(CartItem, pk=item_id, cart=cart)


def cart_count_for_request(request) -> int:
    """How many units the navbar badge shows: one query, none for a visitor without a cart."""
    cached = getattr(request, "_soko_cart_count", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items = CartItem.objects.filter(cart__user=user)
    else:
        session = getattr(request, "session", None)
        token = guest_token(session) if session is not None else None
        if not token:
            return 0
        items = CartItem.objects.filter(cart__token=token, cart__user__isnull=True)
    count = units_count_in(items)
    request._soko_cart_count = count
    return count


def variant_get_for_cart(*, variant_id) -> Variant:
    """A variant a shopper may put in the cart: one of a visible product. Else a 404."""
    if not str(variant_id or "").isdigit():
        raise Http404("No such item.")
    return get_object_or_404(
        Variant.objects.select_related("product").filter(product__in=Product.objects.visible()), pk=variant_id
    )
