"""Reading an account's standing: the notice page's history, and the admin's sections."""

from shop.auctions.models import BiddingBlock, PaymentViolation

from ..models import AccountAction, Appeal


def account_actions_of(*, user):
    return AccountAction.objects.filter(user=user).select_related("created_by").order_by("-created_at", "-id")


def appeals_of(*, user):
    return Appeal.objects.filter(user=user).select_related("action", "takedown__case", "decided_by").order_by("-created_at", "-id")


def bidding_record_of(*, user) -> dict:
    """The non-paying bidder's record: blocks (lifted or not) and the unpaid wins behind them."""
    return {
        "blocks": list(BiddingBlock.objects.filter(user=user).select_related("lifted_by").order_by("-created_at", "-id")),
        "violations": list(
            PaymentViolation.objects.filter(buyer=user).select_related("auction__product", "order").order_by("-created_at", "-id")
        ),
    }
