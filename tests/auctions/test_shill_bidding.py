"""Nobody tied to the seller raises or takes an auction's price: the store's own team, the
teams of the other stores its owner runs or works in, and the owners and teams of the
stores its staff work in are all refused, for bids, buy it now and second-chance offers,
with a message saying why. A bidder with no such tie bids as before."""

from decimal import Decimal

import pytest

from sellers.models import StoreMember
from shop.auctions.models import Auction, Bid, ProxyBid, SecondChanceOffer
from shop.auctions.selectors.auctions import store_tied_people
from shop.auctions.services import (
    AuctionError,
    auction_close,
    bid_place,
    buy_now,
    offer_answer,
    reserve_offer_make,
    unpaid_wins_settle,
)
from shop.orders.models import Order
from shop.payments.models import PaymentAttempt, Provider
from tests.auctions.test_unpaid import let_the_deadline_pass, won
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import ended, live_auction
from tests.factories.orders import CheckoutFactory
from tests.html import dom, told

pytestmark = pytest.mark.django_db

TIED = (
    "You cannot bid on this auction or buy it: you are on the team of a store that shares its owner or staff "
    "with the seller's store."
)
OWN = "You cannot bid on your own store's auction."


def D(value) -> Decimal:
    return Decimal(str(value))


def join(user, store, role=StoreMember.Role.STAFF) -> None:
    StoreMember.objects.create(store=store, user=user, role=role)


class Ring:
    """The seller's store and the people around it.

    owner       owns the auction's store and a second store ("sibling")
    clerk       works in the auction's store, and in a stranger's store ("clerk's other")
    sibling_hand  works in the owner's second store
    other_owner owns the store the clerk also works in
    other_hand  works there
    boss        owns a store the owner works in as staff
    seller      owns a store with no one in common: not tied
    shopper     on no team at all
    """

    def __init__(self, **auction_terms):
        self.owner, self.clerk = UserFactory(), UserFactory()
        store = StoreFactory(owner=self.owner)
        self.auction = live_auction(store=store, **auction_terms)
        join(self.clerk, store)
        sibling = StoreFactory(owner=self.owner)
        self.sibling_hand = UserFactory()
        join(self.sibling_hand, sibling)
        self.other_owner, self.other_hand = UserFactory(), UserFactory()
        clerks_other = StoreFactory(owner=self.other_owner)
        join(self.clerk, clerks_other)
        join(self.other_hand, clerks_other)
        self.boss = UserFactory()
        join(self.owner, StoreFactory(owner=self.boss))
        self.seller = UserFactory()
        StoreFactory(owner=self.seller)
        self.shopper = UserFactory()


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, bidder=user, amount=D(amount))


@pytest.fixture
def ring():
    return Ring(start_price="5000", buy_now_price="20000")


PEOPLE = [
    pytest.param("owner", "own", OWN, id="the store's owner"),
    pytest.param("clerk", "own", OWN, id="a team member"),
    pytest.param("sibling_hand", "tied", TIED, id="team of the owner's other store"),
    pytest.param("other_owner", "tied", TIED, id="owner of a store a team member works in"),
    pytest.param("other_hand", "tied", TIED, id="team of a store a team member works in"),
    pytest.param("boss", "tied", TIED, id="owner of a store the owner works in"),
]


def test_the_auction_store_ties_exactly_these_people(ring):
    tied = set(store_tied_people(store=ring.auction.store).values_list("pk", flat=True))
    expected = {ring.owner, ring.clerk, ring.sibling_hand, ring.other_owner, ring.other_hand, ring.boss}
    assert tied == {person.pk for person in expected}


@pytest.mark.parametrize(("who", "code", "message"), PEOPLE)
def test_someone_tied_to_the_seller_cannot_raise_the_price(ring, who, code, message):
    honest = UserFactory()
    bid(ring.auction, honest, "5250")
    ring.auction.refresh_from_db()
    before = (ring.auction.current_price, ring.auction.leader_id, ring.auction.bid_count)

    with pytest.raises(AuctionError) as refused:
        bid(ring.auction, getattr(ring, who), "6250")

    assert (refused.value.code, str(refused.value)) == (code, message)
    ring.auction.refresh_from_db()
    assert (ring.auction.current_price, ring.auction.leader_id, ring.auction.bid_count) == before
    assert not ProxyBid.objects.filter(bidder=getattr(ring, who)).exists()


@pytest.mark.parametrize("who", ["seller", "shopper"])
def test_a_bidder_with_no_tie_to_the_seller_still_bids(ring, who):
    bid(ring.auction, UserFactory(), "5250")
    outcome = bid(ring.auction, getattr(ring, who), "6250")
    assert outcome.leading
    ring.auction.refresh_from_db()
    assert ring.auction.leader == getattr(ring, who)


@pytest.mark.parametrize(("who", "code", "message"), PEOPLE)
def test_someone_tied_to_the_seller_cannot_buy_it_now(ring, who, code, message):
    with pytest.raises(AuctionError) as refused:
        buy_now(auction_id=ring.auction.pk, buyer=getattr(ring, who))
    assert (refused.value.code, str(refused.value)) == (code, message)
    ring.auction.refresh_from_db()
    assert ring.auction.status == Auction.Status.LIVE and not Order.objects.exists()


def test_the_page_tells_a_tied_person_why_and_shows_no_bid_form(client, ring):
    client.force_login(ring.sibling_hand)
    page = client.get(f"/auctions/{ring.auction.pk}/").content.decode()
    assert TIED.replace("'", "&#x27;") in page and 'data-testid="bid-form"' not in page

    response = client.post(f"/auctions/{ring.auction.pk}/bid/", {"amount": "6250"})

    assert response.status_code == 422 and told(response) == [TIED]
    assert not dom(response).has("[data-testid=bid-form]")
    assert not Bid.objects.exists()


def test_an_unrelated_shopper_still_sees_the_bid_form(client, ring):
    client.force_login(ring.shopper)
    page = client.get(f"/auctions/{ring.auction.pk}/").content.decode()
    assert 'data-testid="bid-form"' in page and "shares its owner or staff" not in page


# --- Second chances: a bidder who became tied after bidding ------------------------------


def test_a_runner_up_who_joined_a_related_store_is_skipped_for_the_second_chance():
    winner, runner_up, third = UserFactory(), UserFactory(), UserFactory()
    auction = won(winner, (third, "250"), (runner_up, "300"))
    join(runner_up, StoreFactory(owner=auction.store.memberships.get().user))
    let_the_deadline_pass(auction)

    unpaid_wins_settle()

    offer = SecondChanceOffer.objects.get()
    assert (offer.bidder, offer.amount) == (third, D("250"))


def test_an_offer_cannot_be_accepted_once_its_bidder_is_tied_to_the_seller():
    winner, runner_up = UserFactory(), UserFactory()
    auction = won(winner, (runner_up, "300"))
    let_the_deadline_pass(auction)
    unpaid_wins_settle()
    offer = SecondChanceOffer.objects.get(bidder=runner_up)
    join(runner_up, StoreFactory(owner=auction.store.memberships.get().user))

    with pytest.raises(AuctionError) as refused:
        offer_answer(offer_id=offer.pk, user=runner_up, accept=True)

    assert (refused.value.code, str(refused.value)) == ("tied", TIED)
    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.OPEN
    assert not Order.objects.filter(buyer=runner_up).exists()


def test_the_reserve_is_not_offered_to_a_top_bidder_now_tied_to_the_seller():
    auction = live_auction(start_price="100", reserve_price="500")
    top = UserFactory()
    bid(auction, top, "300")
    owner = auction.store.memberships.get().user
    join(top, StoreFactory(owner=owner))
    assert auction_close(auction_id=ended(auction).pk)

    with pytest.raises(AuctionError) as refused:
        reserve_offer_make(auction_id=auction.pk, actor=owner)

    assert refused.value.code == "tied"
    assert not SecondChanceOffer.objects.exists()


# Accounts linked to the seller's people


def phone_saved(user, phone: str) -> None:
    AddressFactory(user=user, phone=phone)


LINKED = (
    "You cannot bid on this auction or buy it: your account shares a phone number with someone on the seller's team."
)


def test_a_second_account_with_the_owners_phone_is_refused(ring):
    """The owner's own phone, saved for delivery on a fresh account: the same person."""
    phone_saved(ring.owner, "+254 712 345 678")
    alias = UserFactory()
    phone_saved(alias, "+254-712-345-678")

    with pytest.raises(AuctionError) as refused:
        bid(ring.auction, alias, 6250)

    assert refused.value.code == "tied" and str(refused.value) == LINKED
    assert not Bid.objects.filter(auction=ring.auction, bidder=alias).exists()


def test_an_account_that_paid_with_a_clerks_phone_is_refused(ring):
    phone_saved(ring.clerk, "+254 733 000 111")
    alias = UserFactory()
    PaymentAttempt.objects.create(
        checkout=CheckoutFactory(buyer=alias, payment_method="mpesa"),
        gateway="mpesa",
        provider=Provider.MPESA,
        amount_minor=100_00,
        currency="KES",
        phone="254733000111",
    )

    with pytest.raises(AuctionError) as refused:
        buy_now(auction_id=ring.auction.pk, buyer=alias)

    assert refused.value.code == "tied"


def test_sharing_a_signup_address_or_a_street_is_not_a_tie(ring):
    """A carrier's customers share one public address; neighbours share a street."""
    ring.owner.signup_ip = "41.90.1.1"
    ring.owner.save(update_fields=["signup_ip"])
    AddressFactory(user=ring.owner, phone="+254 700 000 001", street="Moi Avenue")
    neighbour = UserFactory(signup_ip="41.90.1.1")
    AddressFactory(user=neighbour, phone="+254 700 000 002", street="Moi Avenue")

    bid(ring.auction, neighbour, "5250")

    assert Bid.objects.filter(auction=ring.auction, bidder=neighbour).exists()
