"""Auctions for shoppers: the list (/auctions/), an auction's page with its live parts, and
bidding, buy-it-now, watching and second-chance offers. Every form works as a plain POST
(redirect back with a message) and, with htmx, swaps the bid box in place."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.catalog.models import Category
from shop.catalog.selectors.products import category_tree
from shop.core.errors import NotFound
from shop.core.htmx import render_page

from .models import Auction
from .selectors.auctions import (
    auction_get_public,
    auction_is_open,
    auctions_for_bidder,
    auctions_listed,
    live_context,
    min_next_bid,
    open_offer_for,
    user_is_blocked_from_bidding,
    user_manages_auction,
    user_tied_to_store,
    user_watches,
)
from .selectors.bidding import increment_table
from .services import TIED, AuctionError, bid_place, buy_now, offer_answer, watch_set


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
    user = request.user
    images = list(auction.product.images.select_related("image")[:6])
    manages = user_manages_auction(user=user, auction=auction)
    return {
        **live_context(auction),
        "product": auction.product,
        "images": images,
        "is_open": auction_is_open(auction),
        "watching": user_watches(user=user, auction=auction),
        "manages": manages,
        # Tied to the seller's store (a related team, a linked account): the box says so, no form.
        "tied": "" if manages else TIED.get(user_tied_to_store(user=user, store=auction.store), ""),
        "blocked": user.is_authenticated and user_is_blocked_from_bidding(user=user),
        "leading": user.is_authenticated and auction.leader_id == user.pk,
        "won": user.is_authenticated and auction.winner_id == user.pk,
        "offer": open_offer_for(user=user, auction=auction),
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
    """The changing parts, read again by a page whose socket reopened or missed a push."""
    auction = auction_get_public(auction_id=auction_id)
    context = {**_page_context(request, auction), "oob": True}
    response = render_page(request, "auctions/detail.html", context, fragment="auctions/_live.html", partial=True)
    add_never_cache_headers(response)
    return response


def _back(request, auction_id: int, *, ok: str | None = None, error: str | None = None):
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    if request.htmx:
        auction = auction_get_public(auction_id=auction_id)
        context = {**_page_context(request, auction), "oob": True, "with_box": True}
        return render_page(request, "auctions/detail.html", context, fragment="auctions/_live.html", partial=True)
    return redirect("auctions:detail", auction_id)


def _amount(request) -> Decimal | None:
    raw = request.POST.get("amount", "").strip().replace(",", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and Decimal("0") < amount < Decimal("10000000000") else None


@require_POST
def bid(request, auction_id: int):
    auction = auction_get_public(auction_id=auction_id)
    if not request.user.is_authenticated:
        messages.error(request, _("Log in to bid."))
        return redirect(f"/accounts/login/?next=/auctions/{auction.pk}/")
    amount = _amount(request)
    if amount is None:
        return _back(
            request,
            auction.pk,
            error=_("Enter your bid as a number, e.g. %(example)s.") % {"example": min_next_bid(auction)},
        )
    try:
        outcome = bid_place(auction_id=auction.pk, bidder=request.user, amount=amount)
    except AuctionError as error:
        return _back(request, auction.pk, error=str(error))
    if outcome.leading:
        return _back(request, auction.pk, ok=outcome.message)
    return _back(request, auction.pk, error=outcome.message)


@login_required
@require_POST
def buy_now_view(request, auction_id: int):
    auction = auction_get_public(auction_id=auction_id)
    try:
        auction = buy_now(auction_id=auction.pk, buyer=request.user)
    except AuctionError as error:
        return _back(request, auction.pk, error=str(error))
    messages.success(request, _("It is yours. Pay for it to complete the purchase."))
    return redirect("payments:status", auction.order.checkout.idempotency_key)


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
@require_POST
def offer(request, auction_id: int, offer_id: int):
    auction = auction_get_public(auction_id=auction_id)
    accept = request.POST.get("answer") == "accept"
    try:
        answered = offer_answer(offer_id=offer_id, user=request.user, accept=accept)
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
