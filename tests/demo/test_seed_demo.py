import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command

from couriers.models import CourierProfile, CourierRating, DeliveryJob, ScanEvent
from couriers.selectors import areas_within, earnings_by_week, jobs_of_courier, jobs_open_for_courier
from sellers.models import Store, StoreMember
from shop.auctions.models import Auction, Bid, ProxyBid, Watch
from shop.catalog.models import Product
from shop.demo.services.auctions import LOTS
from shop.notifications.models import Notification
from shop.orders.models import Checkout, Order, OrderEvent, OrderStatus
from shop.payments.models import LedgerTransaction, PaymentStatus
from shop.reviews.models import BuyerFeedback, HelpfulVote, Review, ReviewPhoto

pytestmark = pytest.mark.django_db

MODELS = [
    get_user_model(), Store, StoreMember, CourierProfile, Notification, EmailAddress,
    Checkout, Order, OrderEvent, DeliveryJob, ScanEvent, CourierRating, LedgerTransaction,
    Product, Auction, Bid, ProxyBid, Watch, Review, ReviewPhoto, HelpfulVote, BuyerFeedback,
]
J = DeliveryJob.Status


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seeding_demo_data_twice_creates_nothing_twice(demo):
    first = counts()

    call_command("seed_demo")

    assert counts() == first
    # Three stores from the accounts, four more from the demo catalog (owned by the sellers);
    # two more buyers who bid at the demo auctions, three more who shop and review; three
    # staff, one in each role.
    assert {name: first[name] for name in ("User", "Store", "StoreMember", "CourierProfile", "EmailAddress")} == {
        "User": 14, "Store": 7, "StoreMember": 7, "CourierProfile": 1, "EmailAddress": 14,
    }
    # The demo courier's twelve deliveries, one order (and checkout) each, the order of the
    # auction the demo buyer won, the order of the offer she accepted in a conversation, and
    # the ten pick-up orders the demo reviewers collected.
    assert (first["Checkout"], first["Order"], first["DeliveryJob"]) == (24, 24, 12)
    assert first["Auction"] == len(LOTS)
    # The demo orders notify their buyer, stores and courier; the welcome note is made once.
    assert Notification.objects.filter(text__startswith="Welcome to Soko!").count() == 1


def test_seed_demo_summary_counts_the_stores_a_visitor_finds(demo, capsys):
    first = demo.out
    call_command("seed_demo")
    again = capsys.readouterr().out

    stores, live = Store.objects.count(), Product.objects.visible().count()
    assert stores == 7
    assert f"14 demo accounts, {stores} stores, {live} live products ({live} new)" in first
    # A second run finds everything in place: same figures, nothing new.
    assert f"14 demo accounts, {stores} stores, {live} live products (0 new)" in again
    assert "soko-demo-123" in first
    assert "Auctions: 6 taking bids, the first ends at " in first
    assert "; 1 starting later; 1 ended (8 listed now)." in first
    assert "; 1 starting later; 1 ended (0 listed now)." in again


def test_demo_buyer_logs_in_with_the_demo_password(demo, client):

    response = client.post("/accounts/login/", {"login": "buyer@soko.test", "password": "soko-demo-123"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(email="buyer@soko.test").pk)


def test_demo_accounts_have_their_roles(demo):
    user = get_user_model().objects.get

    assert user(email="admin@soko.test").is_staff
    for email, group in (("moderator@soko.test", "Moderators"), ("support@soko.test", "Support"), ("finance@soko.test", "Finance")):
        staff = user(email=email)
        assert staff.is_staff and not staff.is_superuser and [g.name for g in staff.groups.all()] == [group]
    assert Store.objects.get(slug="mama-njeri-crafts").memberships.get().user.email == "seller@soko.test"
    assert CourierProfile.objects.get(user__email="courier@soko.test").status == CourierProfile.Status.APPROVED


def test_demo_courier_has_open_jobs_on_its_board_and_jobs_in_every_state(demo):
    courier = get_user_model().objects.get(email="courier@soko.test")
    profile = courier.courier_profile

    assert jobs_open_for_courier(user=courier).count() >= 3
    held = set(jobs_of_courier(user=courier).values_list("status", flat=True))
    assert {J.ACCEPTED, J.PICKED_UP, J.AT_DOOR, J.DELIVERED} <= held
    # Its areas hold the Nairobi stores it delivers for; it is on duty and shares its position.
    served = areas_within(profile.areas.values_list("pk", flat=True))
    assert served.filter(pk=Store.objects.get(slug="mama-njeri-crafts").area_id).exists()
    assert served.filter(pk=Store.objects.get(slug="kilimani-fixit").area_id).exists()
    assert (profile.availability, profile.share_location) == (CourierProfile.Availability.AVAILABLE, True)
    # At the door with a cash order: the code was scanned, nobody confirmed the cash yet.
    at_door = jobs_of_courier(user=courier).get(status=J.AT_DOOR)
    assert at_door.order.checkout.payment_status == PaymentStatus.ON_DELIVERY
    assert (at_door.cash_courier_confirmed_at, at_door.cash_buyer_confirmed_at) == (None, None)
    assert at_door.order.status == OrderStatus.OUT_FOR_DELIVERY
    # Delivered in cash and by card, over several weeks of earnings, and rated.
    delivered = jobs_of_courier(user=courier).filter(status=J.DELIVERED)
    assert {job.order.checkout.payment_status for job in delivered} == {PaymentStatus.ON_DELIVERY, PaymentStatus.PAID}
    assert all(job.order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) for job in delivered)  # the buyer may have confirmed
    assert len(earnings_by_week(user=courier)) >= 2
    assert profile.deliveries_count == delivered.count()
    assert profile.rating_count > 0
    # A job the store withdrew, and a board job nobody took in time, flagged to its store.
    assert DeliveryJob.objects.filter(status=J.CANCELLED, store__slug__in=["mama-njeri-crafts", "kilimani-fixit"]).exists()
    assert jobs_open_for_courier(user=courier).filter(flagged_at__isnull=False).count() == 1
