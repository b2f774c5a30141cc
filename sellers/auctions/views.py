"""The store's auctions under /dashboard/auctions/: the list with live state, an auction
with its bids and outcome, putting a product up for auction, relisting an unsold one, and
offering the reserve price to the top bidder."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.auctions.models import Auction
from shop.auctions.selectors.auctions import (
    auction_get_for_store,
    auctions_for_store,
    bid_history,
    bidder_handle,
    live_context,
    store_outcome_context,
)
from shop.auctions.services import AuctionError, auction_create, auction_relist, reserve_offer_make
from shop.core.ids import id_or_none

from ..decorators import current_store, dashboard_context, seller_required
from ..selectors import CurrentStore
from .forms import AuctionCreateForm, AuctionRelistForm
from .selectors import auction_relist_refusal, auction_store_id

PAGE_SIZE = 20
# Every bid the seller's page lists; the live part (pushed to watchers) shows the latest.
ALL_BIDS_LIMIT = 1000

A = Auction.Status
O = Auction.Outcome  # noqa: E741


def _context(request, current: CurrentStore, **extra) -> dict:
    return {**dashboard_context(request, current), "dashboard_section": "auctions", "now": timezone.now(), **extra}


def _current_for_auction(request, auction_id: int) -> CurrentStore:
    """The current store, or the user's other store the auction belongs to (a notification's
    link), which becomes current. Anyone else's auction stays a 404 (the caller's selector)."""
    current = current_store(request)
    store_id = auction_store_id(auction_id=auction_id)
    if store_id is not None and store_id != current.store.pk and any(m.store_id == store_id for m in current.memberships):
        current = current_store(request, switch_to=store_id)
    return current


@seller_required
@require_GET
def auctions(request):
    current = current_store(request)
    page = Paginator(
        auctions_for_store(store=current.store).prefetch_related("product__images__image"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = [(auction, bidder_handle(auction.winner) if auction.winner_id else "") for auction in page.object_list]
    return render(request, "sellers/auctions/list.html", _context(request, current, page=page, rows=rows))


@seller_required
def auction_new(request):
    current = current_store(request)
    store = current.store
    initial = {}
    if product_id := id_or_none(request.GET.get("product")):
        initial["product"] = product_id
    form = AuctionCreateForm(request.POST or None, store=store, initial=initial)
    if request.method == "POST" and form.is_valid():
        product = form.cleaned_data["product"]
        try:
            auction = auction_create(product=product, terms=form.terms())
        except AuctionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _created_message(auction))
            return redirect("sellers:auction_detail", auction.pk)
    return render(
        request,
        "sellers/auctions/new.html",
        _context(request, current, form=form, has_auction_products=form.fields["product"].queryset.exists()),
    )


def _created_message(auction: Auction) -> str:
    title = auction.product.title
    if not auction.product.is_visible:
        return _("The auction of “%(title)s” is saved. Shoppers see it once the product is live.") % {"title": title}
    if auction.status == A.SCHEDULED:
        return _("The auction of “%(title)s” is scheduled: bidding opens at the start time.") % {"title": title}
    return _("The auction of “%(title)s” is live: shoppers can bid now.") % {"title": title}


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _detail_context(request, current: CurrentStore, auction: Auction, *, relist_form=None) -> dict:
    # What services.live_fragments renders auctions/_live.html with, so the first render
    # and the pushes that replace it agree.
    live = live_context(auction)
    all_bids = (
        [(bid, bidder_handle(bid.bidder)) for bid in bid_history(auction=auction, limit=ALL_BIDS_LIMIT)]
        if auction.bid_count > len(live["history"])
        else []
    )
    can_relist = auction_relist_refusal(auction) is None
    if can_relist and relist_form is None:
        relist_form = AuctionRelistForm(auction=auction)
    # A relist refused (relisted by a teammate meanwhile) is shown again as filled in, with why.
    shown = relist_form if can_relist or (relist_form is not None and relist_form.errors) else None
    return _context(
        request,
        current,
        **{**live, **store_outcome_context(auction=auction)},
        product=auction.product,
        all_bids=all_bids,
        can_relist=can_relist,
        relist_form=shown,
        relists=list(auction.relists.order_by("-created_at")),
    )


def _render_detail(request, current: CurrentStore, auction: Auction, *, relist_form=None, status: int = 200):
    response = render(
        request,
        "sellers/auctions/detail.html",
        _detail_context(request, current, auction, relist_form=relist_form),
        status=status,
    )
    add_never_cache_headers(response)
    return response


def _store_auction(request, auction_id: int) -> tuple[CurrentStore, Auction]:
    current = _current_for_auction(request, auction_id)
    return current, auction_get_for_store(store=current.store, auction_id=auction_id)


@seller_required
@require_GET
def auction_detail(request, auction_id: int):
    current, auction = _store_auction(request, auction_id)
    return _render_detail(request, current, auction)


@seller_required
@require_POST
def auction_relist_view(request, auction_id: int):
    current, auction = _store_auction(request, auction_id)
    refusal = auction_relist_refusal(auction)
    form = AuctionRelistForm(request.POST, auction=auction)
    if refusal:
        form.is_valid()
        form.add_error(None, refusal)
    elif form.is_valid():
        try:
            new = auction_relist(auction=auction, terms=form.terms())
        except AuctionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Relisted: %(message)s") % {"message": _created_message(new)})
            return redirect("sellers:auction_detail", new.pk)
    return _render_detail(request, current, auction, relist_form=form, status=422)


@seller_required
@require_POST
def auction_reserve_offer(request, auction_id: int):
    _current, auction = _store_auction(request, auction_id)
    try:
        offer = reserve_offer_make(auction_id=auction.pk, actor=request.user)
    except AuctionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The top bidder (%(bidder)s) is offered the item at your reserve price. They have until %(due)s to accept.")
            % {
                "bidder": bidder_handle(offer.bidder),
                "due": _when(offer.expires_at),
            },
        )
    return redirect("sellers:auction_detail", auction.pk)
