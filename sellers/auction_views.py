"""The store's auctions under /dashboard/auctions/: the list with live state, an auction
with its bids and outcome, putting a product up for auction, relisting an unsold one, and
offering the reserve price to the top bidder."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from shop.auctions.selectors import auction_get_for_store, auctions_for_store, bid_history, bidder_handle

from .views import current_store, dashboard_context, seller_required


@seller_required
@require_GET
def auctions(request):
    current = current_store(request)
    context = {**dashboard_context(request, current), "auctions": auctions_for_store(store=current.store)[:100]}
    return render(request, "sellers/auctions/list.html", context)


@seller_required
@require_GET
def auction_detail(request, auction_id: int):
    current = current_store(request)
    auction = auction_get_for_store(store=current.store, auction_id=auction_id)
    history = [(bid, bidder_handle(bid.bidder)) for bid in bid_history(auction=auction, limit=200)]
    context = {**dashboard_context(request, current), "auction": auction, "history": history}
    return render(request, "sellers/auctions/detail.html", context)
