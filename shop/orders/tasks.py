import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job
from shop.payments.payouts.services import payouts_take_back_resume, refunds_take_back_resume, transfers_unanswered_flag

from .services.orders import order_transfer_safely
from .services.payment_flow import checkouts_expire, funds_release_due

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def checkouts_expire_task() -> int:
    """Every minute: checkouts not paid by their deadline release their stock, once."""
    expired = checkouts_expire()
    if expired:
        log.info("checkouts expired unpaid: %s", expired)
    return expired


@db_periodic_task(crontab(minute="*/15"))
def funds_release_task() -> int:
    """Every quarter hour: stores' shares past the buyer's confirmation window are released
    and transferred, and transfers that did not go out are sent again. Safe to repeat.
    First, transfers left unanswered longer than Stripe may keep their keys are flagged for
    finance (no job asks for them again), and the take-backs of refunds from paid
    transfers that a lost worker or an unanswered request left undone are finished."""
    flagged = transfers_unanswered_flag()
    if flagged:
        log.warning("%s transfers left unanswered too long: flagged for finance", flagged)
    payouts_take_back_resume()
    refunds_take_back_resume()
    return funds_release_due()


@job("orders.order_transfer")
@db_task()
def order_transfer_task(order_id: int) -> None:
    """After the commit that released an order's share (the buyer confirmed receipt): the
    transfer to its store, under its idempotency key. A failure is left to the release job."""
    order_transfer_safely(order_id)
