"""A store's money, as its payouts page shows it to the team: what is due, held for buyer
protection and paid out (``store_balances``), and every line of the ledger behind them
(``store_lines`` with ``store_lines_with_refunds``): money in, Soko's fee, releases,
payouts, and refunds as money going out."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from sellers.selectors import store_membership_get
from shop.core.selectors.currencies import money_from_minor
from shop.payments.ledger.selectors import store_balances, store_lines, store_lines_with_refunds
from shop.payments.payouts.connect import connect_account

from ...pagination import Cursor
from ...serializers.selling import StoreLedgerLineSerializer, StorePayoutsSerializer
from .base import SellerView


class Payouts(SellerView):
    @extend_schema(responses=StorePayoutsSerializer)
    def get(self, request, slug: str):
        """Per currency, what is due to the store, what is held for buyer protection (for
        ``protection_days`` after delivery) and what was paid out; and whether the Stripe
        account payouts go to is ready (null: none set up yet; the owner sets it up on
        the payouts page)."""
        store = store_membership_get(user=request.user, slug=slug).store
        answer = {
            "balances": store_balances(store.pk),
            "account": connect_account(store),
            "protection_days": settings.SOKO_BUYER_PROTECTION_DAYS,
        }
        return Response(StorePayoutsSerializer(answer).data)


def _line(line) -> dict:
    minor = {"held": line.held, "due": line.due, "out": line.out_minor}
    return {
        "pk": line.pk,
        "kind": line.kind,
        "created_at": line.created_at,
        "currency": line.currency,
        **{name: money_from_minor(value, line.currency) for name, value in minor.items()},
        "fee_back": line.fee_back,
        "order_fee": line.order_fee if line.kind == "capture" else None,
        "order_number": line.order_number,
        "refund_provider": line.refund.provider if line.refund is not None else None,
        "reversal": line.reversal,
    }


class Ledger(SellerView, generics.ListAPIView):
    """The store's money events, the latest first, as the payouts page lists them."""

    serializer_class = StoreLedgerLineSerializer
    pagination_class = Cursor

    def get_queryset(self):
        return store_lines(store_membership_get(user=self.request.user, slug=self.kwargs["slug"]).store.pk)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        lines = [_line(line) for line in store_lines_with_refunds(page)]
        return self.get_paginated_response(StoreLedgerLineSerializer(lines, many=True).data)
