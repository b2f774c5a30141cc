"""Reports cannot be used as a weapon. Accounts made for the occasion file reports that
reach staff and weigh nothing; linked accounts count as one; stores and auctions with bids
are never taken down without staff, whatever reports they get; only the weight of trusted
reporters hides a product by itself, reversibly, and its owner can appeal; the hourly
limit on reports holds however many arrive at once."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from shop.auctions.models import Auction
from shop.auctions.services import bid_place
from shop.catalog.models import Product
from shop.moderation.models import Appeal, Case, LogEntry, Report, Takedown
from shop.moderation.reports.services import ReportError, case_reverse, report_file
from shop.moderation.selectors.queue import URGENT, queue_rows_for_user
from shop.notifications.models import Notification
from shop.payments.models import PaymentAttempt
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import ProductFactory

from .reporters import TRUSTED_WEIGHT, file_all, fresh, trusted

pytestmark = pytest.mark.django_db


def moderator():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation",
            codename__in=["decide_case", "view_case", "act_on_account", "view_appeal"],
        )
    )
    return user


def case_of(target) -> Case:
    return Case.objects.get(target_id=target.pk, target_type__model=target._meta.model_name)


def statuses(store) -> dict:
    return dict(Product.objects.filter(store=store).values_list("pk", "status"))


def store_with_a_bid_on_auction():
    """A store with 13 products for sale and a live auction that has a bid: 14 listings."""
    store = StoreFactory()
    for _ in range(13):
        ProductFactory(store=store)
    auction = live_auction(store=store)
    bidder = UserFactory()
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("150"))
    auction.refresh_from_db()
    assert auction.bid_count == 1
    return store, auction, bidder


# --- Brigades of fresh accounts -----------------------------------------------------------


def test_ten_fresh_accounts_reporting_a_store_hide_nothing_and_its_case_tops_the_staff_queue(client):
    staff = moderator()
    earlier = ProductFactory()
    report_file(reporter=fresh(1)[0], target=earlier, reason="spam")  # an ordinary case, older
    store, auction, bidder = store_with_a_bid_on_auction()
    before = statuses(store)
    assert len(before) == 14

    file_all(fresh(10), store)

    assert statuses(store) == before
    auction.refresh_from_db()
    assert (auction.status, auction.bid_count) == (Auction.Status.LIVE, 1)
    assert Takedown.objects.count() == 0
    case = case_of(store)
    assert (case.status, case.open_reporters, case.trusted_weight) == (Case.Status.OPEN, 10, 0)
    assert case.urgent_since is not None
    first = queue_rows_for_user(staff)[0]
    assert (first.kind, first.pk, first.urgency) == ("case", case.pk, URGENT)
    assert Notification.objects.filter(user=staff, kind="moderation", text__contains="stays up").count() == 1

    client.force_login(bidder)
    assert client.get(reverse("auctions:detail", args=[auction.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("auctions:detail", args=[auction.pk])).status_code == 200


def test_twenty_fresh_accounts_reporting_a_product_leave_it_for_staff():
    product = ProductFactory()

    file_all(fresh(20), product)

    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert Takedown.objects.count() == 0
    case = case_of(product)
    assert (case.open_reporters, case.trusted_weight) == (20, 0) and case.urgent_since is not None
    assert Report.objects.filter(case=case, counts=False, weight=0).count() == 20


# --- Linked accounts count as one ---------------------------------------------------------


def link_by_signup_address(people):
    get_user_model().objects.filter(pk__in=[p.pk for p in people]).update(signup_ip="198.51.100.23")


def link_by_saved_delivery_phone(people):
    for person in people:
        AddressFactory(user=person, phone="+254 700 111 222" if person.pk % 2 else "254700111222")


def link_by_paying_phone(people):
    for person in people:
        checkout = person.orders.get().checkout
        PaymentAttempt.objects.create(
            checkout=checkout,
            gateway="mpesa",
            provider="mpesa",
            amount_minor=50000,
            currency="KES",
            phone="+254 733 000 999",
            status=PaymentAttempt.Status.SUCCEEDED,
        )


@pytest.mark.parametrize("link", [link_by_signup_address, link_by_saved_delivery_phone, link_by_paying_phone])
def test_linked_trusted_accounts_count_as_one(settings, link):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    product = ProductFactory()
    ring = trusted(4, product.store)
    link(ring)

    file_all(ring, product)

    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert case_of(product).trusted_weight == TRUSTED_WEIGHT

    file_all(trusted(1, product.store), product)  # someone unrelated
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN


# --- Only trusted weight acts, and only on what may be hidden ------------------------------


def test_only_trusted_weight_hides_a_product_and_staff_put_it_back_exactly(settings):
    settings.SOKO_REPORT_THRESHOLD = 3 * TRUSTED_WEIGHT
    product = ProductFactory()
    store = product.store

    file_all(fresh(20), product)
    file_all(trusted(2, store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert case_of(product).trusted_weight == 2 * TRUSTED_WEIGHT

    file_all(trusted(1, store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN
    takedown = Takedown.objects.get()
    assert takedown.automatic and takedown.changes == [
        {"model": "catalog.product", "pk": product.pk, "field": "status", "before": "active", "after": "hidden"}
    ]
    assert case_of(product).status == Case.Status.TAKEN_DOWN

    case_reverse(case=case_of(product), actor=moderator(), reason="Genuine goods")
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    takedown.refresh_from_db()
    assert takedown.reversed_at is not None
    case = case_of(product)
    assert (case.status, case.open_reporters, case.trusted_weight, case.urgent_since) == (
        Case.Status.CLOSED,
        0,
        0,
        None,
    )


def test_trusted_reporters_never_take_down_a_store_or_an_auction_with_bids(settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    store, auction, _bidder = store_with_a_bid_on_auction()
    before = statuses(store)
    buyers = trusted(3, store)

    file_all(buyers, store)
    file_all(buyers, auction)
    file_all(buyers, auction.product)

    assert statuses(store) == before
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE
    assert Takedown.objects.count() == 0
    for target in (store, auction, auction.product):
        case = case_of(target)
        assert case.trusted_weight == 3 * TRUSTED_WEIGHT and case.urgent_since is not None, target
        assert case.status == Case.Status.OPEN


def test_an_auction_without_bids_may_still_be_hidden_by_trusted_reporters(settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    auction = live_auction()
    file_all(trusted(2, auction.store), auction)
    auction.refresh_from_db()
    assert (auction.status, auction.product.status) == (Auction.Status.CANCELLED, Product.Status.HIDDEN)

    case_reverse(case=case_of(auction), actor=moderator(), reason="Fine")
    auction.refresh_from_db()
    assert (auction.status, auction.product.status) == (Auction.Status.LIVE, Product.Status.ACTIVE)


# --- The owner appeals an automatic take-down ----------------------------------------------


def test_the_owner_appeals_an_automatic_take_down_and_staff_granting_it_puts_the_product_back(client, settings):
    settings.SOKO_REPORT_THRESHOLD = TRUSTED_WEIGHT
    product = ProductFactory(title="Kitenge, blue")
    owner = product.store.memberships.get().user
    file_all(trusted(1, product.store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN
    takedown = Takedown.objects.get()
    assert Notification.objects.get(user=owner, kind="moderation").url == reverse("moderation:standing")

    client.force_login(owner)
    page = client.get(reverse("moderation:standing"))
    assert page.status_code == 200 and "Kitenge, blue" in page.content.decode()
    empty = client.post(reverse("moderation:standing"), {"takedown": takedown.pk, "text": ""})
    assert empty.status_code == 400
    sent = client.post(
        reverse("moderation:standing"), {"takedown": takedown.pk, "text": "These are genuine, here is the invoice."}
    )
    assert sent.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.takedown_id, appeal.action_id, appeal.user_id) == (takedown.pk, None, owner.pk)
    again = client.post(reverse("moderation:standing"), {"takedown": takedown.pk, "text": "Again"})
    assert again.status_code == 400 and "Your appeal is waiting for staff." in again.content.decode()
    assert Appeal.objects.count() == 1
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.post(reverse("moderation:standing"), {"takedown": takedown.pk, "text": "Mine?"}).status_code == 400
    assert Appeal.objects.count() == 1

    staff = moderator()
    assert queue_rows_for_user(staff, kind="appeal")[0].pk == appeal.pk
    client.force_login(staff)
    decide = reverse("admin:moderation_appeal_decide", args=[appeal.pk, "grant"])
    assert client.get(reverse("admin:moderation_appeal_change", args=[appeal.pk])).status_code == 200
    assert client.post(decide, {"response": "The invoice checks out."}).status_code == 302

    product.refresh_from_db()
    appeal.refresh_from_db()
    takedown.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert appeal.status == Appeal.Status.GRANTED and takedown.reversed_at is not None
    assert (
        LogEntry.objects.filter(action=LogEntry.Action.APPEAL_DECIDED, actor=staff, target_id=product.pk).count() == 1
    )
    assert (
        LogEntry.objects.filter(action=LogEntry.Action.TAKEDOWN_REVERSED, actor=staff, target_id=product.pk).count()
        == 1
    )


# --- Signing up records the address -------------------------------------------------------


def test_signing_up_records_the_address_it_came_from(client):
    response = client.post(
        reverse("account_signup"),
        {
            "intent": "shop",
            "email": "new@example.test",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(email="new@example.test").signup_ip == "203.0.113.7"


# --- The hourly limit holds under a burst ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_reports_at_once_from_one_person_file_only_the_hourly_limit(settings):
    settings.SOKO_REPORTS_PER_HOUR = 3
    person = UserFactory()
    products = [ProductFactory() for _ in range(10)]

    results = at_once([lambda p=p: report_file(reporter=person, target=p, reason="spam") for p in products])

    filed = [r for r in results if isinstance(r, Report)]
    refused = [r for r in results if isinstance(r, ReportError)]
    assert len(filed) == 3, results
    assert len(refused) == 7 and {error.code for error in refused} == {"rate"}
    assert Report.objects.filter(reporter=person).count() == 3
