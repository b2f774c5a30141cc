"""Reads of carts: the cart grouped by store with Decimal subtotals, each line flagged when
it cannot be bought as the shopper saw it (gone, sold out, short, or its price changed)."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce

from shop.cart.models import Cart, CartItem
from shop.cart.selectors.availability import LineProblem, line_problem, variant_label
from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.selectors.products import pictures_for_variant
from shop.core.errors import NotFound
from shop.core.ids import id_or_none
from shop.core.selectors.viewer import viewer_figure
from shop.core.units import units_count, units_count_in
from shop.geo.selectors.delivery import store_delivers_home

if TYPE_CHECKING:
    from sellers.models import Store

# The session key holding a guest's cart token.
SESSION_KEY = "cart_token"


def guest_token(session) -> uuid.UUID | None:
    """The guest cart token kept in ``session``, if it holds a well-formed one."""
    try:
        return uuid.UUID(str(session.get(SESSION_KEY))) if session.get(SESSION_KEY) else None
    except ValueError:
        return None


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

    @cached_property
    def _problem(self) -> LineProblem | None:
        return line_problem(variant=self.variant, quantity=self.item.quantity, price_seen=self.item.unit_price_seen)

    @property
    def unavailable(self) -> bool:
        return self._problem is not None and self._problem.kind == "unavailable"

    @property
    def sold_out(self) -> bool:
        return self._problem is not None and self._problem.kind == "out_of_stock"

    @property
    def short(self) -> bool:
        """Fewer on hand than the line asks for (but some)."""
        return self._problem is not None and self._problem.kind == "not_enough_stock"

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
        return self._problem.message if self._problem is not None else ""

    @property
    def problem_code(self) -> str:
        """The same as a stable code (``LineProblem.kind``); empty when nothing stops it."""
        return self._problem.kind if self._problem is not None else ""


@dataclass
class StoreGroup:
    store: "Store"
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines if line.buyable), Decimal("0"))

    @property
    def count(self) -> int:
        return units_count(self.lines)

    @property
    def delivers(self) -> bool:
        """Home delivery is offered somewhere (pick-up at the store always is)."""
        return store_delivers_home(self.store)


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
        """The sum of the lines; meaningful when they share one currency (see ``totals``)."""
        return sum((group.subtotal for group in self.groups), Decimal("0"))

    @property
    def currencies(self) -> list[str]:
        """The currencies the cart's stores price in, in the order the stores were added."""
        return list(dict.fromkeys(group.store.currency for group in self.groups))

    @property
    def currency(self) -> str:
        return self.currencies[0] if self.groups else settings.SOKO_CURRENCY

    @property
    def totals(self) -> list[tuple[str, Decimal, int]]:
        """(currency, total, units) per currency: a cart may hold several, each paid on its own."""
        return [
            (code, part.total, part.count) for code in self.currencies for part in [self.for_currency(code)]
        ]

    def for_currency(self, currency: str) -> "CartSummary":
        """The part of the cart priced in ``currency`` (one checkout pays one currency)."""
        return CartSummary(cart=self.cart, groups=[group for group in self.groups if group.store.currency == currency])

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
        # The store's area up to its country: where it delivers is decided without a query.
        .select_related("variant__product__store__area__parent__parent__parent")
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
    pk = id_or_none(item_id)
    item = CartItem.objects.filter(pk=pk, cart=cart).first() if cart is not None and pk is not None else None
    if item is None:
        raise NotFound("No such item in your cart.")
    return item


def cart_units_expression():
    """The units in a user's cart as an expression over their row (the badge's figure)."""
    items = CartItem.objects.filter(cart__user=OuterRef("pk")).order_by().values("cart__user")
    return Coalesce(Subquery(items.annotate(units=Sum("quantity")).values("units")), 0)


def cart_count_for_request(request) -> int:
    """How many units the navbar badge shows: one query, none for a visitor without a cart."""
    cached = getattr(request, "_soko_cart_count", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        count = viewer_figure(request, "cart_units")  # with the frame's other figures, read once
        request._soko_cart_count = count
        return count
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
    pk = id_or_none(variant_id)
    variant = (
        Variant.objects.select_related("product").filter(product__in=Product.objects.visible(), pk=pk).first()
        if pk is not None
        else None
    )
    if variant is None:
        raise NotFound("No such item.")
    return variant
