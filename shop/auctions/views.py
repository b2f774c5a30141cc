"""Auctions for shoppers: the list (/auctions/), an auction's page with its live parts, and
bidding, buy-it-now, watching and second-chance offers. Every form works as a plain POST
(redirect back with a message; a refused bid shows the page again with the amount typed)
and, with htmx, swaps the bid box in place."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shop.accounts.selectors.standing import ensure_can_transact
from shop.catalog.models import Category
from shop.catalog.selectors.products import category_tree
from shop.core.errors import NotFound
from shop.core.htmx import render_page, wants_fragment
from shop.core.refusals import REFUSED_STATUS, Refused, refused
from shop.core.selectors.money import money_format, money_units_problem
from shop.orders.models import Order
from shop.orders.selectors.checkout import won_delivery

from .models import Auction
from .selectors.auctions import (
    auction_get_public,
    auction_is_open,
    auctions_for_bidder,
    auctions_listed,
    bid_needs_confirming,
    buy_now_available,
    min_next_bid,
    open_offer_for,
    viewer_context,
)
from .selectors.bidding import increment_table
from .services import AuctionError, bid_place, buy_now, offer_answer, watch_set


@require_GET
def auction_list(request):
    """Live now, ending within a day, or starting soon; by category."""
    if product_id := request.GET.get("product", ""):
        # A well-formed id only: digits within a database integer ("٣" is a digit too).
        wanted = int(product_id) if product_id.isascii() and product_id.isdigit() and len(product_id) < 10 else 0
        latest = Auction.objects.filter(product_id=wanted).order_by("-created_at").first()
        if latest is None:
            raise NotFound()
        return redirect("auctions:detail", latest.pk)
    category = Category.objects.filter(slug=request.GET.get("category", "")).first()
    tab, auctions = auctions_listed(show=request.GET.get("show", "live"), category=category)
    auctions = list(auctions.prefetch_related("product__images__image")[:60])
    context = {
        "auctions": auctions,
        "tab": tab,
        "tabs": [
            ("live", _("Live now")),
            ("ending", _("Ending soon")),
            ("upcoming", _("Starting soon")),
        ],
        "category": category,
        "categories": category_tree().top_level,
        "now": timezone.now(),
    }
    return render_page(request, "auctions/list.html", context, fragment="results")


def _page_context(request, auction: Auction) -> dict:
    return {
        **viewer_context(user=request.user, auction=auction),
        "product": auction.product,
        "images": list(auction.product.images.select_related("image")[:6]),
        "increments": increment_table(auction.currency),
    }


@require_GET
def auction_detail(request, auction_id: int):
    auction = auction_get_public(auction_id=auction_id)
    response = render_page(
        request, "auctions/detail.html", _page_context(request, auction), fragment="auctions/_live.html"
    )
    add_never_cache_headers(response)
    return response


@require_GET
def auction_live(request, auction_id: int):
    """The changing parts, read again by a page whose socket reopened or missed a push;
    once the auction no longer takes bids, the viewer's own part too (a missed ending)."""
    auction = auction_get_public(auction_id=auction_id)
    context = {**_page_context(request, auction), "oob": True}
    context["with_box"] = not context["is_open"]
    response = render_page(request, "auctions/detail.html", context, fragment="auctions/_live.html", partial=True)
    add_never_cache_headers(response)
    return response


def _back(request, auction_id: int, *, ok: str | None = None, error: str | None = None, refusal: Refused | None = None):
    """The auction's page after a form: a redirect with a message, or with htmx its live
    parts in place. ``refusal``: the bid refused, its page (its parts) again with the amount
    as typed and why (422), not a redirect that forgets it."""
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    if request.htmx or refusal:
        auction = auction_get_public(auction_id=auction_id)
        partial = bool(request.htmx)
        context = {**_page_context(request, auction), "oob": partial, "with_box": partial, "refused": refusal}
        response = render_page(
            request,
            "auctions/detail.html",
            context,
            fragment="auctions/_live.html",
            partial=partial,
            status=REFUSED_STATUS if refusal else None,
        )
        add_never_cache_headers(response)
        return response
    return redirect("auctions:detail", auction_id)


def _refused_bid(request, auction_id: int, reason: str):
    return _back(request, auction_id, refusal=refused(request, "bid", reason))


def _decimal(raw: str) -> Decimal | None:
    try:
        amount = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        return None
    # Within what a price is stored in (12 digits, 2 decimals) once rounded to cents.
    if not amount.is_finite() or not Decimal("0") < amount < Decimal("10000000000"):
        return None
    return amount if amount.quantize(Decimal("0.01")) < Decimal("10000000000") else None


def _amount(request, name: str = "amount") -> Decimal | None:
    return _decimal(request.POST.get(name, ""))


@dataclass(frozen=True)
class Confirm:
    """A commitment of money the person confirms first: the question names the amount,
    and the form sends that amount back (the service refuses any other)."""

    action: str
    question: str
    button: str
    fields: dict
    target: str  # the part of the auction's page the step replaces (with htmx)
    htmx_post: bool = False  # the confirmed form answers in place (a bid), or leads on (a purchase)


def _confirm(request, auction: Auction, step: Confirm):
    """The confirmation step: a page of its own without JavaScript, swapped into the auction's
    page in place of the button with htmx. An account that may not buy is told so now, not
    after it confirmed."""
    ensure_can_transact(request.user)
    context = {"auction": auction, "product": auction.product, "step": step, "oob": wants_fragment(request)}
    response = render_page(request, "auctions/confirm.html", context, fragment="auctions/_confirm.html")
    add_never_cache_headers(response)
    return response


@require_POST
def bid(request, auction_id: int):
    auction = auction_get_public(auction_id=auction_id)
    if not request.user.is_authenticated:
        messages.error(request, _("Log in to bid."))
        return redirect(f"/accounts/login/?next=/auctions/{auction.pk}/")
    amount = _amount(request)
    if amount is None:
        return _refused_bid(
            request, auction.pk, _("Enter your bid as a number, e.g. %(example)s.") % {"example": min_next_bid(auction)}
        )
    if bid_needs_confirming(auction, amount) and _amount(request, "confirmed") != amount:
        # Not asked about an amount it would name rounded (GNF 30,001 for 30000.50): bid_place
        # refuses it, with these words.
        if units := money_units_problem(amount, auction.currency):
            return _refused_bid(request, auction.pk, units)
        shown = money_format(amount, auction.currency)
        return _confirm(
            request,
            auction,
            Confirm(
                action=reverse("auctions:bid", args=[auction.pk]),
                question=_(
                    "Bid up to %(amount)s? The next bid is %(next)s: %(site)s may bid for you as far as %(amount)s."
                )
                % {
                    "amount": shown,
                    "next": money_format(min_next_bid(auction), auction.currency),
                    "site": settings.SOKO_SITE_NAME,
                },
                button=_("Bid up to %(amount)s") % {"amount": shown},
                fields={"amount": amount, "confirmed": amount},
                target=f"auction-{auction.pk}-bidding",
                htmx_post=True,
            ),
        )
    try:
        outcome = bid_place(auction_id=auction.pk, bidder=request.user, amount=amount)
    except AuctionError as error:
        return _refused_bid(request, auction.pk, str(error))
    if outcome.leading:
        return _back(request, auction.pk, ok=outcome.message)
    return _back(request, auction.pk, error=outcome.message)


def _purchase(request, auction: Auction, price: Decimal) -> tuple[str, str, Decimal]:
    """What buying the item at ``price`` comes to for this buyer: the sentence naming its
    delivery (the win's, ``won_delivery``), the button's words, and the total with it."""
    delivery = won_delivery(buyer=request.user, store=auction.store)
    total = price + delivery.fee
    if delivery.mode == Order.DeliveryMode.DELIVERY and delivery.fee:
        said = _("Delivery to %(place)s adds %(fee)s: you pay %(total)s.") % {
            "place": delivery.address.area.name,
            "fee": money_format(delivery.fee, auction.currency),
            "total": money_format(total, auction.currency),
        }
    elif delivery.mode == Order.DeliveryMode.DELIVERY:
        said = _("Delivery to %(place)s is free.") % {"place": delivery.address.area.name}
    elif delivery.address is not None:
        said = _("You collect it at %(store)s: it does not deliver to your address.") % {"store": auction.store.name}
    else:
        said = _("You have no saved address: you collect it at %(store)s.") % {"store": auction.store.name}
    return said, _("Buy now for %(amount)s") % {"amount": money_format(total, auction.currency)}, total


@login_required
@require_http_methods(["GET", "POST"])
def buy_now_view(request, auction_id: int):
    """GET: the amount to confirm, delivery included; POST: buy at the price and the total
    confirmed (only those)."""
    auction = auction_get_public(auction_id=auction_id)
    shown = _amount(request) if request.method == "POST" else None
    total = _amount(request, "total") if request.method == "POST" else None
    if shown is not None and total is not None:
        try:
            auction = buy_now(auction_id=auction.pk, buyer=request.user, price=shown, total=total)
        except AuctionError as error:
            return _back(request, auction.pk, error=str(error))
        messages.success(request, _("It is yours. Pay for it to complete the purchase."))
        return redirect("payments:status", auction.order.checkout.idempotency_key)
    if not (auction_is_open(auction) and buy_now_available(auction)):
        return _back(request, auction.pk, error=_("Buy it now is no longer offered: bidding has begun."))
    delivery, button, total = _purchase(request, auction, auction.buy_now_price)
    question = _("Buy %(title)s now for %(amount)s? The auction ends and the item is yours to pay for.") % {
        "title": auction.product.title,
        "amount": money_format(auction.buy_now_price, auction.currency),
    }
    return _confirm(
        request,
        auction,
        Confirm(
            action=reverse("auctions:buy_now", args=[auction.pk]),
            question=f"{question} {delivery}",
            button=button,
            fields={"amount": auction.buy_now_price, "total": total},
            target=f"auction-{auction.pk}-bidding",
        ),
    )


@login_required
@require_POST
def watch(request, auction_id: int):
    auction = auction_get_public(auction_id=auction_id)
    on = request.POST.get("on") == "1"
    watch_set(auction=auction, user=request.user, on=on)
    return _back(
        request, auction.pk, ok=_("You are watching this auction.") if on else _("You no longer watch this auction.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, auction_id: int, offer_id: int):
    """A second-chance offer: declined at once; accepted at the amount confirmed (GET, or a
    POST without it, shows the amount to confirm)."""
    auction = auction_get_public(auction_id=auction_id)
    accept = request.method == "GET" or request.POST.get("answer") == "accept"
    shown = _amount(request) if request.method == "POST" else None
    total = _amount(request, "total") if request.method == "POST" else None
    if accept and (shown is None or total is None):
        pending = open_offer_for(user=request.user, auction=auction)
        if pending is None or pending.pk != offer_id:
            return _back(request, auction.pk, error=_("This offer is no longer open."))
        delivery, button, total = _purchase(request, auction, pending.amount)
        question = _("Buy %(title)s for %(amount)s? The item is yours to pay for.") % {
            "title": auction.product.title,
            "amount": money_format(pending.amount, auction.currency),
        }
        return _confirm(
            request,
            auction,
            Confirm(
                action=reverse("auctions:offer", args=[auction.pk, pending.pk]),
                question=f"{question} {delivery}",
                button=button,
                fields={"answer": "accept", "amount": pending.amount, "total": total},
                target=f"auction-{auction.pk}-offer",
            ),
        )
    try:
        answered = offer_answer(offer_id=offer_id, user=request.user, accept=accept, price=shown, total=total)
    except AuctionError as error:
        return _back(request, auction.pk, error=str(error))
    if accept:
        messages.success(request, _("It is yours. Pay for it to complete the purchase."))
        answered.auction.refresh_from_db()
        return redirect("payments:status", answered.auction.order.checkout.idempotency_key)
    return _back(request, auction.pk, ok=_("Offer declined."))


@login_required
@require_GET
def my_bids(request):
    """The auctions the shopper bid on, won or lost."""
    auctions = list(auctions_for_bidder(user=request.user)[:100])
    return render_page(request, "auctions/mine.html", {"auctions": auctions, "now": timezone.now()}, fragment="results")
