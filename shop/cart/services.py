"""Writes to carts. A line's quantity never exceeds the stock on hand when it is set, and
the price the shopper saw (``unit_price_seen``) only changes when they accept a new one.

These services are also used by "order again": add with ``cart_add`` and show ``message``.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.catalog.models import Variant
from shop.catalog.services.activity import CART_ADD, product_activity_count
from shop.core.selectors.viewer import viewer_figures_forget

from .models import Cart, CartItem
from .selectors.availability import line_problem, variant_label
from .selectors.summary import SESSION_KEY, guest_token


class CartError(Exception):
    """A change the cart refuses, with a sentence for the shopper and a stable ``code``
    (an app branches on it): ``invalid_quantity``, ``not_in_cart``, or a line's problem
    (``out_of_stock``, ``not_enough_stock``, ``unavailable``, ``auction_only``)."""

    def __init__(self, message: str, *, code: str = "cart_refused"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CartChange:
    item: CartItem | None
    message: str  # what to tell the shopper: added, capped, removed
    capped: bool = False
    repeated: bool = False  # the same click sent again: nothing changed


def _user_cart(user, *, create: bool) -> Cart | None:
    cart = Cart.objects.filter(user=user).first()
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(user=user)
        except IntegrityError:  # created by a parallel request of the same user
            cart = Cart.objects.get(user=user)
    return cart


def cart_get_for_request(request, create: bool = False) -> Cart | None:
    """The shopper's cart: the account's when logged in, else the guest cart whose token
    is in the session. ``create`` makes one (and remembers a guest's token)."""
    cached = getattr(request, "_soko_cart", None)
    if cached is not None:
        return cached
    user = request.user
    if user.is_authenticated:
        cart = _user_cart(user, create=create)
    else:
        token = guest_token(request.session)
        cart = Cart.objects.filter(token=token, user__isnull=True).first() if token else None
        if cart is None and create:
            cart = Cart.objects.create()
            request.session[SESSION_KEY] = str(cart.token)
    if cart is not None:
        request._soko_cart = cart
    return cart


@transaction.atomic
def cart_add(*, cart: Cart, variant: Variant, quantity: int, click_key: uuid.UUID | None = None) -> CartChange:
    """Add ``quantity`` of ``variant``, capped by the stock on hand. A line already in the
    cart keeps the price the shopper first saw: a change stays flagged until accepted.

    ``click_key`` comes from the "Add to cart" form, new for every click: the same key sent
    again (a double click, a resent form) adds nothing more."""
    if quantity < 1:
        raise CartError(_("Choose a quantity of at least 1."), code="invalid_quantity")
    variant = Variant.objects.select_related("product").get(pk=variant.pk)
    label = variant_label(variant)
    problem = line_problem(variant=variant)
    if problem is not None:
        raise CartError(problem.message, code=problem.kind)
    # One writer per cart at a time: two quick "add" clicks must not lose one of them, and
    # the second of two with the same key sees the first one's key on the line.
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    item = CartItem.objects.filter(cart=cart, variant=variant).first()
    if click_key is not None and item is not None and item.last_click_key == click_key:
        return CartChange(item=item, message=_("Already added: your cart has %(quantity)s × %(label)s.") % {"quantity": item.quantity, "label": label}, repeated=True)
    wanted = quantity + (item.quantity if item else 0)
    new_quantity = min(wanted, variant.stock)
    capped = new_quantity < wanted
    if item is None:
        item = CartItem.objects.create(
            cart=cart, variant=variant, quantity=new_quantity, unit_price_seen=variant.price, last_click_key=click_key
        )
    else:
        item.quantity = new_quantity
        item.last_click_key = click_key
        item.save(update_fields=["quantity", "last_click_key"])
    cart.save(update_fields=["updated_at"])
    slug = variant.product.slug
    transaction.on_commit(lambda: product_activity_count(slug=slug, kind=CART_ADD))
    if capped:
        message = _("Only %(stock)s of %(label)s in stock: your cart has %(new_quantity)s.") % {"stock": variant.stock, "label": label, "new_quantity": new_quantity}
    else:
        message = _("Added %(quantity)s × %(label)s to your cart.") % {"quantity": quantity, "label": label}
    return CartChange(item=item, message=message, capped=capped)


@transaction.atomic
def cart_set_quantity(*, cart: Cart, item: CartItem, quantity: int) -> CartChange:
    """Set a line's quantity (0 removes it), capped by the stock on hand. A negative
    quantity is refused and the line stays as it was."""
    if item.cart_id != cart.pk:
        raise CartError(_("That item is not in your cart."), code="not_in_cart")
    if quantity < 0:
        raise CartError(_("Choose a quantity of at least 1; to remove the item use Remove."), code="invalid_quantity")
    if quantity == 0:
        return cart_remove(cart=cart, item=item)
    variant = Variant.objects.select_related("product").get(pk=item.variant_id)
    label = variant_label(variant)
    problem = line_problem(variant=variant)
    if problem is not None:
        raise CartError(problem.message, code=problem.kind)
    new_quantity = min(quantity, variant.stock)
    CartItem.objects.filter(pk=item.pk).update(quantity=new_quantity)
    item.quantity = new_quantity
    cart.save(update_fields=["updated_at"])
    if new_quantity < quantity:
        return CartChange(item=item, message=_("Only %(stock)s of %(label)s in stock: your cart has %(new_quantity)s.") % {"stock": variant.stock, "label": label, "new_quantity": new_quantity}, capped=True)
    return CartChange(item=item, message=_("%(label)s: quantity %(new_quantity)s.") % {"label": label, "new_quantity": new_quantity})


@transaction.atomic
def cart_remove(*, cart: Cart, item: CartItem) -> CartChange:
    if item.cart_id != cart.pk:
        raise CartError(_("That item is not in your cart."), code="not_in_cart")
    label = variant_label(Variant.objects.select_related("product").get(pk=item.variant_id))
    CartItem.objects.filter(pk=item.pk).delete()
    cart.save(update_fields=["updated_at"])
    return CartChange(item=None, message=_("Removed %(label)s from your cart.") % {"label": label})


@transaction.atomic
def cart_accept_price(*, cart: Cart, item: CartItem) -> CartChange:
    """The shopper agrees to the variant's current price."""
    if item.cart_id != cart.pk:
        raise CartError(_("That item is not in your cart."), code="not_in_cart")
    variant = Variant.objects.select_related("product").get(pk=item.variant_id)
    CartItem.objects.filter(pk=item.pk).update(unit_price_seen=variant.price)
    item.unit_price_seen = variant.price
    return CartChange(item=item, message=_("%(variant_label)s: new price accepted.") % {"variant_label": variant_label(variant)})


@transaction.atomic
def cart_merge(*, guest_cart: Cart, user) -> Cart:
    """Move a guest cart into the account's cart at log-in. Quantities of the same variant
    add up, capped by stock (a line is never shrunk or dropped here: what is short or sold
    out stays flagged). A line the account already had keeps its seen price; a line new to
    the account brings the price the guest saw, so a change since is still flagged."""
    guest_cart = Cart.objects.select_for_update().get(pk=guest_cart.pk)
    if guest_cart.user_id == user.pk:
        return guest_cart
    cart = _user_cart(user, create=False)
    if cart is None:
        # Nothing to merge into: the guest cart simply becomes the account's.
        guest_cart.user = user
        guest_cart.save(update_fields=["user", "updated_at"])
        return guest_cart
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    existing = {item.variant_id: item for item in cart.items.all()}
    for guest_item in guest_cart.items.select_related("variant"):
        stock = guest_item.variant.stock
        item = existing.get(guest_item.variant_id)
        if item is None:
            CartItem.objects.create(
                cart=cart,
                variant=guest_item.variant,
                quantity=max(1, min(guest_item.quantity, stock)),
                unit_price_seen=guest_item.unit_price_seen,
            )
        else:
            merged = max(item.quantity, min(item.quantity + guest_item.quantity, stock))
            if merged != item.quantity:
                CartItem.objects.filter(pk=item.pk).update(quantity=merged)
    guest_cart.delete()
    cart.save(update_fields=["updated_at"])
    return cart


def guest_carts_forget(*, older_than_days: int) -> int:
    """Delete guest carts nobody touched for ``older_than_days`` (their session is long gone)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _per_model = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff).delete()
    return deleted


# Django's signal rather than allauth's: allauth logs in through django.contrib.auth, so
# this also covers allauth's log-in and sign-up, the admin and tests' force_login.
@receiver(user_logged_in, dispatch_uid="cart_merge_at_login")
def merge_guest_cart(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    token = guest_token(session) if session is not None else None
    if session is not None:
        session.pop(SESSION_KEY, None)
    if token is None:
        return
    guest_cart = Cart.objects.filter(token=token, user__isnull=True).first()
    if guest_cart is not None:
        cart_merge(guest_cart=guest_cart, user=user)
    request.__dict__.pop("_soko_cart", None)
    request.__dict__.pop("_soko_cart_count", None)
    viewer_figures_forget(request)
