"""Bidding through the service and the page: proxy outcomes as stored, soft close on a
frozen clock (time-machine), every refusal with its message (service and POST /auctions/<id>/bid/),
buy it now, and watching."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from shop.auctions.models import Auction, Bid, BiddingBlock, ProxyBid, Watch
from shop.auctions.selectors.auctions import buy_now_available
from shop.auctions.services import AuctionError, Terms, auction_close, auction_create, bid_place, buy_now, watch_set
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.payments.models import PaymentStatus
from tests.factories import UserFactory
from tests.factories.auctions import auction_product, ended, live_auction
from tests.html import dom, told

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def D(value) -> Decimal:
    return Decimal(str(value))


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, bidder=user, amount=D(amount))


def history(auction) -> list[tuple]:
    return list(Bid.objects.filter(auction=auction).order_by("amount").values_list("bidder", "amount", "automatic"))


def owner_of(auction):
    return auction.store.memberships.get().user


def scheduled_auction() -> Auction:
    now = timezone.now()
    return auction_create(
        product=auction_product(),
        terms=Terms(start_price=D("100"), starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2)),
    )


# --- Proxy outcomes as the service stores them -----------------------------------------

# (story, bids [(who, amount)], reserve, price, leader, history [(who, amount, automatic)], reserve met)
STORED = [
    ("two proxies", [("amina", "150"), ("baraka", "200")], None, "155", "baraka",
     [("amina", "100", False), ("amina", "150", True), ("baraka", "155", False)], True),
    ("a manual bid against a proxy", [("amina", "150"), ("baraka", "110")], None, "115", "amina",
     [("amina", "100", False), ("baraka", "110", False), ("amina", "115", True)], True),
    ("equal maximums: the earlier leads at that amount", [("amina", "150"), ("baraka", "150")], None, "150", "amina",
     [("amina", "100", False), ("amina", "150", True)], True),
    ("reserve crossing by the first maximum", [("amina", "400")], "300", "300", "amina",
     [("amina", "300", False)], True),
    ("reserve crossing by a challenger", [("amina", "250"), ("baraka", "350")], "300", "300", "baraka",
     [("amina", "100", False), ("amina", "250", True), ("baraka", "300", False)], True),
    ("below the reserve", [("amina", "250"), ("baraka", "200")], "300", "205", "amina",
     [("amina", "100", False), ("baraka", "200", False), ("amina", "205", True)], False),
    ("raising one's own maximum", [("amina", "150"), ("baraka", "120"), ("amina", "400")], None, "125", "amina",
     [("amina", "100", False), ("baraka", "120", False), ("amina", "125", True)], True),
    ("increments by band", [("amina", "3000"), ("baraka", "600"), ("chausiku", "1200")], None, "1225", "amina",
     [("amina", "100", False), ("baraka", "600", False), ("amina", "610", True), ("chausiku", "1200", False),
      ("amina", "1225", True)], True),
]


@pytest.mark.parametrize(
    ("bids", "reserve", "price", "leader", "expected_history", "reserve_met"),
    [pytest.param(*row[1:], id=row[0]) for row in STORED],
)
def test_bid_place_stores_the_proxy_outcome(bids, reserve, price, leader, expected_history, reserve_met):
    auction = live_auction(start_price="100", reserve_price=reserve)
    people = {name: UserFactory(display_name=name.title()) for name in ("amina", "baraka", "chausiku")}
    maxima = {}
    for name, amount in bids:
        bid(auction, people[name], amount)
        maxima[name] = D(amount)

    auction.refresh_from_db()
    assert auction.current_price == D(price)
    assert auction.leader == people[leader]
    assert auction.reserve_met is reserve_met
    assert history(auction) == [(people[name].pk, D(amount), auto) for name, amount, auto in expected_history]
    assert auction.bid_count == len(expected_history)
    # Each bidder has one maximum, their highest.
    assert dict(ProxyBid.objects.filter(auction=auction).values_list("bidder", "max_amount")) == {
        people[name].pk: amount for name, amount in maxima.items()
    }


def test_what_each_bidder_is_told(django_capture_on_commit_callbacks):
    auction = live_auction(start_price="100")
    amina, baraka = UserFactory(), UserFactory()

    with django_capture_on_commit_callbacks(execute=True):  # the outbid notice is created after commit
        first = bid(auction, amina, "150")
        assert first.leading and first.message == "You lead at KES 100. Soko bids for you up to KES 150."
        second = bid(auction, baraka, "120")
        assert not second.leading
        assert second.message == "You were outbid at once: another bidder's maximum is higher (or the same and set earlier)."
        raised = bid(auction, amina, "300")
        assert raised.leading and raised.message == "Your maximum is now KES 300. You still lead at KES 125."
        taken = bid(auction, baraka, "400")
    assert taken.leading and taken.message == "You lead at KES 305. Soko bids for you up to KES 400."
    # Amina heard she was outbid, once, at the new price; Baraka was never told so.
    outbid = Notification.objects.filter(user=amina, text__startswith="You were outbid")
    assert [n.text for n in outbid] == [f"You were outbid on {auction.product.title}: the price is now KES 305."]
    assert not Notification.objects.filter(user=baraka, text__startswith="You were outbid").exists()


def test_the_increments_setting_is_what_the_service_uses(settings):
    settings.SOKO_AUCTION_INCREMENTS = [(D("0"), D("2")), (D("100"), D("20"))]
    auction = live_auction(start_price="100")
    amina, baraka = UserFactory(), UserFactory()
    bid(auction, amina, "500")
    with pytest.raises(AuctionError, match=r"^Bid at least KES 120\.$"):
        bid(auction, baraka, "119")
    bid(auction, baraka, "120")
    auction.refresh_from_db()
    assert auction.current_price == D("140")


# --- Soft close, on a controlled clock -------------------------------------------------


def test_a_bid_in_the_last_minutes_moves_the_end_to_two_minutes_after_it():
    auction = live_auction(minutes_left=60)
    end = auction.ends_at
    amina, baraka = UserFactory(), UserFactory()

    moment = end - timedelta(seconds=30)
    with time_machine.travel(moment, tick=False):
        bid(auction, amina, "150")
    auction.refresh_from_db()
    assert auction.ends_at == moment + timedelta(minutes=2) == end + timedelta(seconds=90)

    # Again in the new last minutes: it moves again, from that bid.
    moment = auction.ends_at - timedelta(seconds=10)
    with time_machine.travel(moment, tick=False):
        bid(auction, baraka, "200")
    auction.refresh_from_db()
    assert auction.ends_at == moment + timedelta(minutes=2)
    new_end = auction.ends_at

    # The closing job at the old end finds nothing to close; at the new end it sells.
    with time_machine.travel(end + timedelta(seconds=1), tick=False):
        assert auction_close(auction_id=auction.pk) is False
    with time_machine.travel(new_end, tick=False):
        assert auction_close(auction_id=auction.pk) is True
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.winner == baraka
    assert auction.closed_at == new_end


def test_a_bid_five_minutes_before_the_end_does_not_move_it():
    auction = live_auction(minutes_left=60)
    end = auction.ends_at
    with time_machine.travel(end - timedelta(minutes=5), tick=False):
        bid(auction, UserFactory(), "150")
    auction.refresh_from_db()
    assert auction.ends_at == end


def test_a_refused_bid_in_the_last_minutes_does_not_move_the_end():
    auction = live_auction(minutes_left=60)
    end = auction.ends_at
    bid(auction, UserFactory(), "150")
    with time_machine.travel(end - timedelta(seconds=30), tick=False), pytest.raises(AuctionError):
        bid(auction, UserFactory(), "101")
    auction.refresh_from_db()
    assert auction.ends_at == end


def test_a_bid_at_the_end_time_itself_is_refused():
    auction = live_auction(minutes_left=60)
    with time_machine.travel(auction.ends_at, tick=False), pytest.raises(AuctionError) as refused:
        bid(auction, UserFactory(), "150")
    assert refused.value.code == "not_live"
    assert not Bid.objects.exists()


# --- Refusals, through the service -----------------------------------------------------


def refused(auction, user, amount) -> AuctionError:
    with pytest.raises(AuctionError) as error:
        bid_place(auction_id=auction.pk, bidder=user, amount=amount if amount is None else D(amount))
    return error.value


def assert_nothing_written(auction):
    assert not Bid.objects.filter(auction=auction).exists()
    assert not ProxyBid.objects.filter(auction=auction).exists()
    fresh = Auction.objects.get(pk=auction.pk)
    assert (fresh.current_price, fresh.leader_id, fresh.bid_count) == (None, None, 0)


def test_an_ended_auction_takes_no_bid():
    auction = ended(live_auction())
    error = refused(auction, UserFactory(), "150")
    assert (error.code, str(error)) == ("not_live", "This auction is not taking bids: it has ended.")
    assert_nothing_written(auction)


def test_a_closed_auction_takes_no_bid_even_before_its_end_time():
    auction = live_auction()
    Auction.objects.filter(pk=auction.pk).update(status=Auction.Status.CANCELLED)
    error = refused(auction, UserFactory(), "150")
    assert (error.code, str(error)) == ("not_live", "This auction is not taking bids: it has ended.")
    assert_nothing_written(auction)


def test_an_auction_not_started_takes_no_bid():
    auction = scheduled_auction()
    error = refused(auction, UserFactory(), "150")
    assert (error.code, str(error)) == ("not_live", "This auction has not started yet.")
    assert_nothing_written(auction)


def test_the_store_team_cannot_bid_on_its_own_auction():
    auction = live_auction()
    error = refused(auction, owner_of(auction), "150")
    assert (error.code, str(error)) == ("own", "You cannot bid on your own store's auction.")
    assert_nothing_written(auction)


def test_a_bid_below_the_minimum_next_bid_is_refused_with_the_minimum():
    auction = live_auction(start_price="100")
    error = refused(auction, UserFactory(), "99.99")
    assert (error.code, str(error)) == ("too_low", "Bid at least KES 100.")
    assert_nothing_written(auction)
    bid(auction, UserFactory(), "150")
    error = refused(auction, UserFactory(), "104")
    assert (error.code, str(error)) == ("too_low", "Bid at least KES 105.")
    assert Bid.objects.filter(auction=auction).count() == 1


def test_a_blocked_bidder_is_refused_until_the_block_is_lifted():
    auction = live_auction()
    user = UserFactory()
    block = BiddingBlock.objects.create(user=user, reason="3 won auctions not paid.")
    error = refused(auction, user, "150")
    assert error.code == "blocked"
    assert str(error) == "You may not bid: too many auctions you won were not paid. Contact us to lift the block."
    assert_nothing_written(auction)
    BiddingBlock.objects.filter(pk=block.pk).update(lifted_at=timezone.now())
    assert bid(auction, user, "150").leading


def test_someone_not_logged_in_cannot_bid():
    auction = live_auction()
    error = refused(auction, AnonymousUser(), "150")
    assert (error.code, str(error)) == ("login", "Log in to bid.")
    assert_nothing_written(auction)


@pytest.mark.parametrize("amount", [None, "0", "-5", "NaN", "sNaN", "Infinity", "-Infinity", "1E+30", "10000000000",
                                    "9999999999.999"])
def test_an_amount_that_is_no_bid_is_refused_with_a_message(amount):
    auction = live_auction()
    error = refused(auction, UserFactory(), amount)
    if amount is None or D(amount).is_finite() and D(amount) <= 0:
        assert (error.code, str(error)) == ("too_low", "Enter an amount.")
    else:
        assert (error.code, str(error)) == ("amount", "Enter your bid as a number, e.g. 100.00.")
    assert_nothing_written(auction)


def test_an_amount_finer_than_the_currencys_unit_is_refused_not_rounded():
    auction = live_auction()
    error = refused(auction, UserFactory(), "150.004")
    assert (error.code, str(error)) == ("amount", "Prices in KES have at most 2 decimals.")
    assert_nothing_written(auction)


# --- Refusals, through the page --------------------------------------------------------


def post_bid(client, auction, amount, **headers):
    return client.post(f"/auctions/{auction.pk}/bid/", {"amount": amount}, headers=headers)


def said(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_the_page_takes_a_bid_and_says_so(client):
    auction = live_auction()
    user = UserFactory()
    client.force_login(user)
    # 15 times the next bid: confirmed first (tests/auctions/test_confirm.py).
    response = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "1,500", "confirmed": "1500"})
    assert response.status_code == 302 and response["Location"] == f"/auctions/{auction.pk}/"
    assert said(response) == ["You lead at KES 100. Soko bids for you up to KES 1,500."]
    assert ProxyBid.objects.get(auction=auction).max_amount == D("1500")
    page = client.get(f"/auctions/{auction.pk}/")
    assert page.status_code == 200 and "You lead at KES 100." in page.content.decode()


def test_the_page_sends_someone_not_logged_in_to_log_in_and_writes_nothing(client):
    auction = live_auction()
    response = post_bid(client, auction, "150")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/auctions/{auction.pk}/"
    assert said(response) == ["Log in to bid."]
    assert_nothing_written(auction)


@pytest.mark.parametrize("amount", ["abc", "NaN", "-5", "0", "", "Infinity", "1e400", "12.5.0", "10000000000", "9999999999.999"])
def test_the_page_answers_a_garbage_amount_with_a_message_never_a_500(client, amount):
    auction = live_auction()
    client.force_login(UserFactory())
    response = post_bid(client, auction, amount)
    assert response.status_code == 422
    assert told(response) == ["Enter your bid as a number, e.g. 100.00."]
    assert dom(response).one("[data-testid=bid-form] [name=amount]").attr("value") == amount
    assert_nothing_written(auction)


def refusal_cases():
    def ended_auction():
        return ended(live_auction()), UserFactory()

    def not_started():
        return scheduled_auction(), UserFactory()

    def own():
        auction = live_auction()
        return auction, owner_of(auction)

    def blocked():
        user = UserFactory()
        BiddingBlock.objects.create(user=user, reason="3 won auctions not paid.")
        return live_auction(), user

    def too_low():
        return live_auction(start_price="200"), UserFactory()

    return [
        pytest.param(ended_auction, "This auction is not taking bids: it has ended.", id="ended"),
        pytest.param(not_started, "This auction has not started yet.", id="not started"),
        pytest.param(own, "You cannot bid on your own store's auction.", id="own store"),
        pytest.param(
            blocked, "You may not bid: too many auctions you won were not paid. Contact us to lift the block.", id="blocked"
        ),
        pytest.param(too_low, "Bid at least KES 200.", id="below the minimum"),
    ]


@pytest.mark.parametrize(("story", "message"), refusal_cases())
def test_the_page_says_why_a_bid_is_refused(client, story, message):
    auction, user = story()
    client.force_login(user)
    response = post_bid(client, auction, "150")
    assert response.status_code == 422
    assert told(response) == [message]
    assert_nothing_written(auction)


def test_a_refused_bid_keeps_the_amount_typed_on_the_page(client):
    auction = live_auction(start_price="200")
    client.force_login(UserFactory())
    response = post_bid(client, auction, "150")
    assert response.status_code == 422
    page = dom(response)
    assert page.one("[data-testid=bid-box] [data-testid=form-refused]").text == "Bid at least KES 200."
    assert page.one("[data-testid=bid-form] [name=amount]").attr("value") == "150"


def test_with_htmx_the_refusal_comes_back_in_place(client):
    auction = live_auction(start_price="200")
    client.force_login(UserFactory())
    response = post_bid(client, auction, "150", **HTMX)
    assert response.status_code == 422
    box = dom(response).one(f"#auction-{auction.pk}-box[hx-swap-oob]")
    assert box.one("[data-testid=form-refused]").text == "Bid at least KES 200."
    assert box.one("[data-testid=bid-form] [name=amount]").attr("value") == "150"
    assert_nothing_written(auction)


# --- Buy it now ------------------------------------------------------------------------


def test_buy_it_now_before_any_bid_ends_the_auction_sold_with_an_order(django_capture_on_commit_callbacks):
    auction = live_auction(start_price="100", buy_now_price="500")
    buyer = UserFactory()
    assert buy_now_available(auction)

    with django_capture_on_commit_callbacks(execute=True):
        sold = buy_now(auction_id=auction.pk, buyer=buyer)

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.outcome == Auction.Outcome.SOLD
    assert auction.winner == buyer and auction.final_price == D("500")
    assert auction.closed_at is not None and auction.ends_at == auction.closed_at
    order = Order.objects.get(buyer=buyer)
    assert sold.order == order == auction.order
    assert order.status == OrderStatus.PENDING and order.items_total == D("500")
    assert order.items.get().unit_price == D("500")
    assert order.checkout.payment_status == PaymentStatus.AWAITING
    assert Notification.objects.filter(user=buyer, text__startswith="You won").count() == 1
    # Ended: no more bids, no second sale, and the closing job leaves it alone.
    with pytest.raises(AuctionError) as late:
        bid(auction, UserFactory(), "600")
    assert late.value.code == "not_live"
    with pytest.raises(AuctionError):
        buy_now(auction_id=auction.pk, buyer=UserFactory())
    assert auction_close(auction_id=auction.pk) is False
    assert Order.objects.count() == 1


def test_buy_it_now_is_gone_after_the_first_bid_when_there_is_no_reserve():
    auction = live_auction(start_price="100", buy_now_price="500")
    bid(auction, UserFactory(), "120")
    auction.refresh_from_db()
    assert not buy_now_available(auction)
    with pytest.raises(AuctionError) as gone:
        buy_now(auction_id=auction.pk, buyer=UserFactory())
    assert gone.value.code == "buy_now_gone"
    assert str(gone.value) == "Buy it now is no longer offered: bidding has begun."
    assert not Order.objects.exists()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE and auction.winner is None


def test_buy_it_now_stays_until_a_bid_meets_the_reserve():
    auction = live_auction(start_price="100", reserve_price="300", buy_now_price="500")
    bid(auction, UserFactory(), "250")
    auction.refresh_from_db()
    assert not auction.reserve_met and buy_now_available(auction)

    bid(auction, UserFactory(), "300")
    auction.refresh_from_db()
    assert auction.reserve_met and not buy_now_available(auction)
    with pytest.raises(AuctionError) as gone:
        buy_now(auction_id=auction.pk, buyer=UserFactory())
    assert gone.value.code == "buy_now_gone"


def test_buy_it_now_below_the_reserve_sells_to_the_buyer_not_the_leader():
    auction = live_auction(start_price="100", reserve_price="300", buy_now_price="500")
    bidder, buyer = UserFactory(), UserFactory()
    bid(auction, bidder, "250")
    buy_now(auction_id=auction.pk, buyer=buyer)
    auction.refresh_from_db()
    assert auction.winner == buyer and auction.final_price == D("500")
    assert not Order.objects.filter(buyer=bidder).exists()


def test_buy_it_now_refuses_the_store_team_and_an_auction_without_that_price():
    auction = live_auction(buy_now_price="500")
    with pytest.raises(AuctionError) as own:
        buy_now(auction_id=auction.pk, buyer=owner_of(auction))
    assert own.value.code == "own"
    plain = live_auction()
    with pytest.raises(AuctionError) as none:
        buy_now(auction_id=plain.pk, buyer=UserFactory())
    assert none.value.code == "buy_now_gone"
    assert not Order.objects.exists()


# --- Watching --------------------------------------------------------------------------


def test_watching_toggles_and_the_count_follows():
    auction = live_auction()
    amina, baraka = UserFactory(), UserFactory()

    def count():
        auction.refresh_from_db()
        assert auction.watchers_count == Watch.objects.filter(auction=auction).count()
        return auction.watchers_count

    assert watch_set(auction=auction, user=amina, on=True) is True and count() == 1
    assert watch_set(auction=auction, user=amina, on=True) is False and count() == 1
    assert watch_set(auction=auction, user=baraka, on=True) is True and count() == 2
    assert watch_set(auction=auction, user=amina, on=False) is True and count() == 1
    assert watch_set(auction=auction, user=amina, on=False) is False and count() == 1
    assert watch_set(auction=auction, user=baraka, on=False) is True and count() == 0
    assert watch_set(auction=auction, user=baraka, on=False) is False and count() == 0


def test_the_watch_button_follows_and_unfollows(client):
    auction = live_auction()
    user = UserFactory()
    client.force_login(user)
    client.post(f"/auctions/{auction.pk}/watch/", {"on": "1"})
    client.post(f"/auctions/{auction.pk}/watch/", {"on": "1"})
    auction.refresh_from_db()
    assert auction.watchers_count == 1 and Watch.objects.filter(auction=auction, user=user).exists()
    client.post(f"/auctions/{auction.pk}/watch/", {"on": "0"})
    auction.refresh_from_db()
    assert auction.watchers_count == 0 and not Watch.objects.exists()
