"""The proxy-bidding rules as pure functions (no database): increments by price band, the
minimum next bid, and what each new maximum does to the price, the leader and the bid
history, eBay's way."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.auctions.selectors.bidding import BidRefused, State, Step, apply_bid, increment_for, increment_table

A, B, C = 1, 2, 3


def D(value) -> Decimal:
    return Decimal(str(value))


def run(bids, *, start="100", reserve=None, currency="KES"):
    """Apply ``bids`` [(bidder, amount), ...] in order; the final state and every step."""
    state = State(currency=currency, start_price=D(start), reserve_price=D(reserve) if reserve is not None else None)
    steps, results = [], []
    for bidder, amount in bids:
        result = apply_bid(state, bidder=bidder, amount=D(amount))
        state = result.state
        steps.extend(result.steps)
        results.append(result)
    return state, steps, results


# --- Increments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "step"),
    [
        ("0.50", "1"),
        ("99.99", "1"),
        ("100", "5"),
        ("499.99", "5"),
        ("500", "10"),
        ("999", "10"),
        ("1000", "25"),
        ("5000", "50"),
        ("10000", "100"),
        ("50000", "500"),
        ("100000", "1000"),
        ("2500000", "1000"),
    ],
)
def test_the_increment_is_the_step_of_the_price_band_by_default(price, step):
    assert increment_for(D(price), "KES") == D(step)


def test_a_scaled_currency_scales_both_the_bands_and_the_steps():
    # GNF is scaled by 100 by default: the 100 band starts at 10,000 and steps by 500.
    assert increment_for(D("9999"), "GNF") == D("100")
    assert increment_for(D("10000"), "GNF") == D("500")
    assert increment_table("GNF")[:3] == [(D("0"), D("100")), (D("10000"), D("500")), (D("50000"), D("1000"))]


def test_the_bands_come_from_the_setting(settings):
    settings.SOKO_AUCTION_INCREMENTS = [(D("0"), D("2")), (D("50"), D("7"))]
    assert increment_for(D("49.99"), "KES") == D("2")
    assert increment_for(D("50"), "KES") == D("7")
    assert increment_for(D("10000"), "KES") == D("7")
    state, _steps, _results = run([(A, "300"), (B, "60")], start="40")
    assert state.price == D("67")  # B's 60 plus the 7 of the band 60 falls in
    with pytest.raises(BidRefused) as refused:
        apply_bid(state, bidder=C, amount=D("73"))
    assert str(refused.value) == "Bid at least KES 74."


@pytest.mark.parametrize(
    ("price", "min_next"),
    [(None, "100"), ("100", "105"), ("495", "500"), ("500", "510"), ("990", "1000"), ("1000", "1025")],
)
def test_the_minimum_next_bid_is_the_start_price_then_the_price_plus_its_increment(price, min_next):
    state = State(currency="KES", start_price=D("100"), price=D(price) if price else None, leader=A if price else None)
    assert state.min_next == D(min_next)


# --- Outcomes, table-driven ------------------------------------------------------------

# (story, bids, start, reserve, final price, leader, leader's maximum, history [(bidder, amount, automatic)])
OUTCOMES = [
    ("the first bid opens at the start price, whatever its maximum",
     [(A, "150")], "100", None, "100", A, "150",
     [(A, "100", False)]),
    ("two proxies: the higher leads at the lower maximum plus one increment",
     [(A, "150"), (B, "200")], "100", None, "155", B, "200",
     [(A, "100", False), (A, "150", True), (B, "155", False)]),
    ("two proxies the other way round: the leader answers for itself",
     [(A, "200"), (B, "150")], "100", None, "155", A, "200",
     [(A, "100", False), (B, "150", False), (A, "155", True)]),
    ("a manual bid at the minimum against a proxy: the proxy answers one increment above",
     [(A, "150"), (B, "105")], "100", None, "110", A, "150",
     [(A, "100", False), (B, "105", False), (A, "110", True)]),
    ("the proxy answers no higher than its own maximum",
     [(A, "150"), (B, "148")], "100", None, "150", A, "150",
     [(A, "100", False), (B, "148", False), (A, "150", True)]),
    ("the challenger pays no more than its own maximum",
     [(A, "150"), (B, "152")], "100", None, "152", B, "152",
     [(A, "100", False), (A, "150", True), (B, "152", False)]),
    ("equal maximums: the earlier bid leads, at that amount",
     [(A, "150"), (B, "150")], "100", None, "150", A, "150",
     [(A, "100", False), (A, "150", True)]),
    ("a leader whose maximum is the price is not repeated in the history",
     [(A, "100"), (B, "105")], "100", None, "105", B, "105",
     [(A, "100", False), (B, "105", False)]),
    ("the increment follows the band of the price it is added to",
     [(A, "2000"), (B, "498"), (C, "900")], "100", None, "910", A, "2000",
     [(A, "100", False), (B, "498", False), (A, "503", True), (C, "900", False), (A, "910", True)]),
    ("at 1,000 and above the step is 25",
     [(A, "5000"), (B, "1000")], "100", None, "1025", A, "5000",
     [(A, "100", False), (B, "1000", False), (A, "1025", True)]),
    ("reserve crossing: a first maximum at the reserve opens at the reserve",
     [(A, "400")], "100", "300", "300", A, "400",
     [(A, "300", False)]),
    ("a first maximum below the reserve opens at the start price",
     [(A, "250")], "100", "300", "100", A, "250",
     [(A, "100", False)]),
    ("a challenger whose maximum reaches the reserve jumps the price to it",
     [(A, "250"), (B, "320")], "100", "300", "300", B, "320",
     [(A, "100", False), (A, "250", True), (B, "300", False)]),
    ("once the reserve is met, bids go on from it",
     [(A, "320"), (B, "310")], "100", "300", "315", A, "320",
     [(A, "300", False), (B, "310", False), (A, "315", True)]),
    ("below the reserve, two maximums bid each other up as usual",
     [(A, "250"), (B, "200")], "100", "300", "205", A, "250",
     [(A, "100", False), (B, "200", False), (A, "205", True)]),
    ("above the reserve, competition takes the price past it",
     [(A, "500"), (B, "400")], "100", "300", "405", A, "500",
     [(A, "300", False), (B, "400", False), (A, "405", True)]),
    ("raising one's own maximum leaves the price and the history as they are",
     [(A, "150"), (B, "120"), (A, "300")], "100", None, "125", A, "300",
     [(A, "100", False), (B, "120", False), (A, "125", True)]),
    ("raising one's own maximum to the reserve moves the price to the reserve",
     [(A, "250"), (B, "200"), (A, "350")], "100", "300", "300", A, "350",
     [(A, "100", False), (B, "200", False), (A, "205", True), (A, "300", False)]),
    ("after raising, the next challenger meets the new maximum",
     [(A, "150"), (A, "300"), (B, "200")], "100", None, "205", A, "300",
     [(A, "100", False), (B, "200", False), (A, "205", True)]),
    ("an outbid bidder may come back with a higher maximum",
     [(A, "150"), (B, "200"), (A, "260")], "100", None, "205", A, "260",
     [(A, "100", False), (A, "150", True), (B, "155", False), (B, "200", True), (A, "205", False)]),
]


@pytest.mark.parametrize(
    ("bids", "start", "reserve", "price", "leader", "leader_max", "history"),
    [pytest.param(*row[1:], id=row[0]) for row in OUTCOMES],
)
def test_proxy_bidding_outcomes(bids, start, reserve, price, leader, leader_max, history):
    state, steps, _results = run(bids, start=start, reserve=reserve)

    assert (state.price, state.leader, state.leader_max) == (D(price), leader, D(leader_max))
    assert [(step.bidder, step.amount, step.automatic) for step in steps] == [
        (bidder, D(amount), automatic) for bidder, amount, automatic in history
    ]
    # The history is the price going up: strictly, and ending at the price.
    amounts = [step.amount for step in steps]
    assert amounts == sorted(set(amounts)) and amounts[-1] == state.price
    assert state.reserve_met == (reserve is None or D(leader_max) >= D(reserve))


def test_the_bidder_outbid_at_once_hears_it_and_the_leader_is_not_told_it_was_outbid():
    _state, _steps, (first, second) = run([(A, "200"), (B, "150")])
    assert first.leading and first.outbid is None
    assert not second.leading and second.outbid is None


def test_a_new_leader_is_told_who_it_outbid():
    _state, _steps, (_first, second) = run([(A, "150"), (B, "200")])
    assert second.leading and second.outbid == A


def test_the_state_passed_in_is_not_changed():
    before = State(currency="KES", start_price=D("100"))
    apply_bid(before, bidder=A, amount=D("150"))
    assert before.price is None and before.leader is None


# --- Refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bids", "bidder", "amount", "message"),
    [
        pytest.param([], A, "99", "Bid at least KES 100.", id="below the start price"),
        pytest.param([(A, "150")], B, "104", "Bid at least KES 105.", id="below the price plus its increment"),
        pytest.param([(A, "150")], B, "100", "Bid at least KES 105.", id="at the current price"),
        pytest.param([(A, "600"), (B, "500")], C, "519.99", "Bid at least KES 520.", id="in the 500 band"),
        pytest.param(
            [(A, "150")], A, "150", "You already lead with a maximum of KES 150: to raise it, bid more than that.",
            id="the leader repeating its maximum",
        ),
        pytest.param(
            [(A, "150")], A, "120", "You already lead with a maximum of KES 150: to raise it, bid more than that.",
            id="the leader lowering its maximum",
        ),
    ],
)
def test_an_amount_the_rules_do_not_accept_is_refused_as_too_low(bids, bidder, amount, message):
    state, _steps, _results = run(bids)
    with pytest.raises(BidRefused) as refused:
        apply_bid(state, bidder=bidder, amount=D(amount))
    assert refused.value.code == "too_low"
    assert str(refused.value) == message


# --- Whatever the bids: the invariants --------------------------------------------------

BIDDERS = st.sampled_from([A, B, C, 4])
AMOUNTS = st.integers(min_value=90, max_value=1200).map(lambda n: Decimal(n) / (4 if n % 7 == 0 else 1))


@settings(max_examples=150, deadline=None)
@given(
    bids=st.lists(st.tuples(BIDDERS, AMOUNTS), min_size=1, max_size=25),
    reserve=st.one_of(st.none(), st.integers(min_value=100, max_value=900).map(Decimal)),
)
def test_whatever_the_bids_the_price_only_rises_and_the_highest_maximum_leads(bids, reserve):
    state = State(currency="KES", start_price=D("100"), reserve_price=reserve)
    maxima: dict[int, Decimal] = {}
    first_at: dict[int, int] = {}  # when each bidder's current maximum was set
    history: list[Step] = []
    for turn, (bidder, amount) in enumerate(bids):
        before = state
        try:
            result = apply_bid(state, bidder=bidder, amount=amount)
        except BidRefused as refused:
            assert refused.code == "too_low"
            if bidder == before.leader:
                assert amount <= before.leader_max
            else:
                assert amount < before.min_next
            continue
        state = result.state
        if amount > maxima.get(bidder, Decimal("-1")):
            maxima[bidder], first_at[bidder] = amount, turn
        # The price never falls, and each visible step is above the one before it.
        assert before.price is None or state.price >= before.price
        for step in result.steps:
            assert not history or step.amount > history[-1].amount
            history.append(step)
        assert (state.price == before.price) == (not result.steps)

    if state.leader is None:
        return
    top = max(maxima.values())
    earliest_top = min((first_at[bidder], bidder) for bidder, maximum in maxima.items() if maximum == top)[1]
    others = sorted((maximum for bidder, maximum in maxima.items() if bidder != state.leader), reverse=True)
    second = others[0] if others else None

    assert state.leader == earliest_top and state.leader_max == top
    assert history[-1].amount == state.price and state.price <= state.leader_max
    # The leader beats everyone else, and pays no more than needed to.
    assert second is None or state.price >= second
    ceiling = [D("100")] + ([second + increment_for(second, "KES")] if second is not None else [])
    if reserve is not None and top >= reserve:
        ceiling.append(reserve)
    assert state.price <= max(ceiling)
    assert state.reserve_met == (reserve is None or top >= reserve)
