"""Auctions as their pages show them: the list (live now, ending within a day, starting
soon; by category), an auction with its bid history and the viewer's own maximum, and
bidding, buy-it-now and watching through the pages' services. The services' refusals keep
their codes (``too_low``, ``own``, ``not_live``, ``blocked``, ``tied``, ``buy_now_gone``…)
as 409 problems; a hidden auction is a 404."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sellers.auctions.forms import AuctionCreateForm
from sellers.selectors import store_membership_get
from shop.accounts.selectors.standing import ensure_can_transact
from shop.auctions.selectors.auctions import (
    LIST_TABS,
    auction_get_public,
    auction_is_open,
    auctions_listed,
    bidder_maximum,
    buy_now_available,
    live_context,
    min_next_bid,
    user_watches,
)
from shop.auctions.services import AuctionError, auction_create, bid_place, buy_now, watch_set
from shop.catalog.models import Category
from shop.core.errors import NotFound
from shop.orders.selectors.checkout import won_delivery

from ..idempotency import idempotency_key, idempotent
from ..pagination import Cursor
from ..serializers.auctions import (
    AuctionCardSerializer,
    AuctionCreate,
    AuctionSerializer,
    BidOutcomeSerializer,
    BidRequest,
    BuyNowRequest,
    PurchaseSerializer,
    WatchSerializer,
)
from ..serializers.fields import NO_NUL


def _card(auction):
    auction.min_next_bid = min_next_bid(auction)
    auction.buy_now_offered = auction.buy_now_price if buy_now_available(auction) else None
    return auction


def auction_page(auction, user) -> dict:
    """What the auction's page shows ``user``, for ``AuctionSerializer``."""
    live = live_context(auction)
    _card(auction)
    auction.is_open = auction_is_open(auction)
    auction.leader_handle = live["leader_handle"] or None
    auction.history = [
        {"bidder": handle, "amount": bid.amount, "automatic": bid.automatic, "placed_at": bid.created_at}
        for bid, handle in live["history"]
    ]
    auction.my_maximum = bidder_maximum(user=user, auction=auction)
    auction.leading = user.is_authenticated and auction.leader_id == user.pk
    auction.won = user.is_authenticated and auction.winner_id == user.pk
    auction.watching = user_watches(user=user, auction=auction)
    auction.delivery_mode = auction.delivery_fee = None
    if user.is_authenticated:
        delivery = won_delivery(buyer=user, store=auction.store)
        auction.delivery_mode, auction.delivery_fee = delivery.mode, delivery.fee
    return auction


def _page_data(request, auction_id: int) -> dict:
    auction = auction_get_public(auction_id=auction_id)
    return AuctionSerializer(auction_page(auction, request.user), context={"request": request}).data


class AuctionList(generics.ListCreateAPIView):
    """The auctions page's list: taking bids now (ending first first), ending within a
    day, or starting soon; in a category. An unknown category is ignored, as on the page."""

    permission_classes = [AllowAny]
    serializer_class = AuctionCardSerializer
    pagination_class = Cursor

    @extend_schema(
        parameters=[
            OpenApiParameter("show", str, enum=list(LIST_TABS), description="live (the default), ending or upcoming"),
            OpenApiParameter(
                "category",
                {"type": "string", "pattern": NO_NUL},
                description="A category's slug (and its subcategories).",
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        """The auctions page's list, a page at a time."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        show = params.get("show", "live")
        if len(params.getlist("show")) > 1 or show not in LIST_TABS:
            raise ValidationError({"show": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LIST_TABS)}]})
        self.notices = []
        category = None
        if slug := params.get("category", ""):
            category = Category.objects.filter(slug=slug).first()
            if category is None:
                self.notices.append(_("category: no category “%(slug)s”. It was ignored.") % {"slug": slug})
        _tab, auctions = auctions_listed(show=show, category=category)
        return auctions.prefetch_related("product__images__image")

    def paginate_queryset(self, queryset):
        return [_card(auction) for auction in super().paginate_queryset(queryset)]

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(request=AuctionCreate, responses={201: AuctionSerializer})
    def post(self, request):
        """A seller puts one of the store's products sold by auction up for auction, through
        the dashboard's form and ``auction_create``; what the form refuses is a 409 with
        code ``terms`` (or ``product``), in the form's words."""
        ensure_can_transact(request.user)  # as the dashboard asks of every write
        asked = AuctionCreate(data=request.data)
        asked.is_valid(raise_exception=True)
        data = {name: value for name, value in asked.validated_data.items() if value is not None}
        store = store_membership_get(user=request.user, slug=data.pop("store")).store
        data.setdefault("soft_close_minutes", settings.SOKO_AUCTION_SOFT_CLOSE_MINUTES)
        form = AuctionCreateForm(data, store=store)
        if not form.fields["product"].queryset.filter(pk=data["product"]).exists():
            raise NotFound()
        if not form.is_valid():
            field = "product" if "product" in form.errors else "terms"
            raise AuctionError(" ".join(str(e) for errors in form.errors.values() for e in errors), code=field)
        auction = auction_create(product=form.cleaned_data["product"], terms=form.terms())
        body = AuctionSerializer(auction_page(auction, request.user), context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class AuctionDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=AuctionSerializer)
    def get(self, request, pk: int):
        """An auction's page: the price, the least next bid, the end, the bid history
        (bidders named as the page names them), buy-it-now while offered, and the
        viewer's own maximum."""
        return Response(_page_data(request, pk))


class AuctionBid(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=BidRequest, responses={200: BidOutcomeSerializer})
    @idempotent
    def post(self, request, pk: int):
        """Bid: Soko bids for you up to your maximum (proxy bidding), as on the page."""
        asked = BidRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        amount = asked.validated_data["amount"]
        maximum = max(amount, asked.validated_data.get("maximum") or amount)
        auction = auction_get_public(auction_id=pk)
        outcome = bid_place(auction_id=auction.pk, bidder=request.user, amount=maximum, client_key=idempotency_key(request))
        return Response({"leading": outcome.leading, "message": outcome.message, "auction": _page_data(request, pk)})


class AuctionBuyNow(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=BuyNowRequest, responses={201: PurchaseSerializer})
    @idempotent
    def post(self, request, pk: int):
        """Buy it now at the price shown: the auction ends, sold to you, and an order awaits your payment."""
        asked = BuyNowRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        auction = auction_get_public(auction_id=pk)
        auction = buy_now(
            auction_id=auction.pk,
            buyer=request.user,
            price=asked.validated_data["price"],
            total=asked.validated_data.get("total"),
            client_key=idempotency_key(request),
        )
        pay_url = reverse("payments:status", args=[auction.order.checkout.idempotency_key])
        return Response(
            {
                "order": auction.order.number,
                "pay_url": request.build_absolute_uri(pay_url),
                "auction": _page_data(request, pk),
            },
            status=status.HTTP_201_CREATED,
        )


class AuctionWatch(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=WatchSerializer)
    def put(self, request, pk: int):
        """Watch the auction."""
        watch_set(auction=auction_get_public(auction_id=pk), user=request.user, on=True)
        return Response({"watching": True})

    @extend_schema(request=None, responses={200: WatchSerializer})
    def delete(self, request, pk: int):
        """Stop watching the auction."""
        watch_set(auction=auction_get_public(auction_id=pk), user=request.user, on=False)
        return Response({"watching": False})
