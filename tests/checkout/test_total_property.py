"""The amount charged is the amount shown, whatever the buyer does on the checkout page.

A buyer with a cart from three stores, loyalty points, a won auction awaiting payment and
three addresses (two in Nairobi, one at the coast where the stores do not deliver) edits
the checkout in a random order, the way a browser sends it: types a promo code and applies
it (or only types it), ticks and unticks "Use points", switches delivery and pick-up per
store, changes the address, ticks and unticks the won order, presses Back (the browser puts
the form back as it was left over a fresh copy of the page, or sends an older copy again)
and places the order. The page is driven through the real views; what the browser holds is
rebuilt from what they render (an htmx answer replaces only the part it swaps).

Whatever the sequence: the code typed and the points chosen survive every re-render; a
placed checkout charges exactly the "To pay" of the review the buyer confirmed; paid by
card on the development gateway, the ledger's capture is that amount; the code's count of
uses is the redemptions made; and a refusal ("The total changed…") shows a review that can
be placed as it stands.
"""

import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.core.selectors.currencies import money_to_minor
from shop.orders.models import Checkout, Order, OrderStatus
from shop.payments.models import LedgerEntry, PaymentStatus
from shop.promotions.models import LoyaltyEntry, PromoCode, PromoRedemption
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.geo.factories import AreaFactory

pytestmark = pytest.mark.django_db

EXAMPLES = 200
CODES = ["NJERI15", " njeri15", "KARIBU10", "NOPE", ""]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HTMX_FIELDS = ("address", "currency", "won", "promo_code", "use_points")


# --- what a browser holds ------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, radio, checkbox
    value: str
    checked: bool
    disabled: bool
    restorable: bool  # the browser puts it back after Back (autocomplete is not "off")
    regions: frozenset  # ids of the elements around it


class Fields(HTMLParser):
    """The form fields of a page or an htmx answer, with the ids of the elements around
    each, and the review's "To pay"."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.fields: list[Field] = []
        self.stack: list[tuple[str, str | None]] = []
        self.total_text = None
        self._in_total = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        regions = frozenset(element_id for _tag, element_id in self.stack if element_id)
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("text", "hidden", "radio", "checkbox"):
                self.fields.append(
                    Field(
                        name=attrs["name"],
                        kind=kind,
                        value=attrs.get("value") or "",
                        checked="checked" in attrs,
                        disabled="disabled" in attrs,
                        restorable=attrs.get("autocomplete") != "off",
                        regions=regions,
                    )
                )
        if attrs.get("data-testid") == "review-total":
            self._in_total = True
            self.total_text = ""
        if tag not in VOID:
            self.stack.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        self._in_total = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self._in_total:
            self.total_text += data

    @property
    def total(self) -> Decimal:
        assert self.total_text, "the review shows no total"
        return Decimal(self.total_text.replace("KES", "").replace(",", "").strip())

    def within(self, *regions: str) -> list[Field]:
        return [field for field in self.fields if field.regions & set(regions)]


class Browser:
    """The checkout form as a browser holds it: the page's fields, updated by what the
    buyer does and by what each answer swaps in."""

    def __init__(self, client: Client):
        self.client = client
        self.fields: list[Field] = []
        self.values: dict[str, object] = {}
        self.shown: Decimal | None = None

    # What the page sends.
    def data(self, **extra) -> dict:
        return {**self.values, **extra}

    def htmx_query(self) -> dict:
        return {
            name: value
            for name, value in self.values.items()
            if name in HTMX_FIELDS or name.startswith("delivery_")
        }

    # What the page shows.
    def load(self, parsed: Fields, regions: tuple[str, ...] | None = None) -> None:
        """Take the fields of ``parsed`` (only those inside ``regions``, as htmx swaps)."""
        incoming = parsed.fields if regions is None else parsed.within(*regions)
        names = {field.name for field in incoming}
        if regions is None:
            self.values = {}
            self.fields = []
        else:
            self.values = {name: value for name, value in self.values.items() if name not in names}
            self.fields = [field for field in self.fields if field.name not in names]
        self.fields += incoming
        for field in incoming:
            self._take(field)
        self.shown = parsed.total

    def _take(self, field: Field) -> None:
        if field.disabled:
            return
        if field.kind == "radio":
            if field.checked:
                self.values[field.name] = field.value
        elif field.kind == "checkbox":
            if field.name == "won":
                chosen = list(self.values.get("won", []))
                if field.checked:
                    chosen.append(field.value)
                self.values["won"] = chosen
            elif field.checked:
                self.values[field.name] = field.value
        else:
            self.values[field.name] = field.value

    def choices(self, name: str) -> list[str]:
        return list(dict.fromkeys(field.value for field in self.fields if field.name == name and not field.disabled))

    def restore_over(self, parsed: Fields) -> None:
        """Back to a page the server renders afresh: the browser puts back the values the
        buyer left in the form's fields (those it may restore), over the fresh page."""
        left = dict(self.values)
        self.load(parsed)
        for field in self.fields:
            if not field.restorable or field.disabled:
                continue
            if field.kind in ("text", "hidden") and field.name in left:
                self.values[field.name] = left[field.name]
            elif field.kind == "radio" and left.get(field.name) == field.value:
                self.values[field.name] = field.value
            elif field.kind == "checkbox" and field.name == "won":
                self.values["won"] = [value for value in left.get("won", []) if value in self.choices("won")]
            elif field.kind == "checkbox":
                if field.name in left:
                    self.values[field.name] = left[field.name]
                else:
                    self.values.pop(field.name, None)


# --- the world -------------------------------------------------------------------------------


@dataclass
class World:
    stores: list
    variants: list
    won_store: object
    won_variant: object
    nairobi: object
    kilimani: object
    coast: object


def build_world() -> World:
    kenya_westlands = westlands()
    nairobi_city = kenya_westlands.parent
    kilimani = AreaFactory(name="Kilimani", parent=nairobi_city, latitude=Decimal("-1.2921"), longitude=Decimal("36.7856"))
    kenya = nairobi_city.parent.parent
    coast = AreaFactory(
        name="Nyali",
        parent=AreaFactory(name="Mombasa", parent=AreaFactory(name="Mombasa", parent=kenya, code="KE-01")),
        latitude=Decimal("-4.0435"),
        longitude=Decimal("39.7292"),
    )
    weavers = StoreFactory(name="Kisii Weavers", delivers_local=True, area=kenya_westlands)
    # Passes the courier's fare on: its delivery fee depends on the address.
    njeri = StoreFactory(
        name="Mama Njeri Crafts", delivers_local=True, area=kenya_westlands, courier_fee_payer="buyer",
        latitude=Decimal("-1.2676"), longitude=Decimal("36.8108"),
    )
    stall = StoreFactory(name="Kariakoo Stall", delivers_local=False, delivers_national=False, area=kenya_westlands)
    won_store = StoreFactory(name="Auction House", delivers_local=True, area=kenya_westlands)
    prices = [Decimal("1200.50"), Decimal("899"), Decimal("349.75")]
    variants = [
        ProductFactory(store=store, variants=[{"price": price, "stock": 1_000_000}]).variants.get()
        for store, price in zip([weavers, njeri, stall], prices, strict=True)
    ]
    won_variant = ProductFactory(store=won_store, variants=[{"price": Decimal("15400"), "stock": 1_000_000}]).variants.get()
    now = timezone.now()
    PromoCode.objects.create(
        code="NJERI15", store=njeri, kind="percent", amount=Decimal("15"), currency="KES", min_order=Decimal("1500"),
        starts_at=now - timedelta(days=1), max_uses=1_000_000, max_uses_per_customer=1,
    )
    PromoCode.objects.create(
        code="KARIBU10", kind="fixed", amount=Decimal("100"), currency="KES", min_order=Decimal("500"),
        starts_at=now - timedelta(days=1), max_uses_per_customer=1, first_order_only=True,
    )
    return World(
        stores=[weavers, njeri, stall], variants=variants, won_store=won_store, won_variant=won_variant,
        nairobi=kenya_westlands, kilimani=kilimani, coast=coast,
    )


def new_buyer(world: World, *, points: int, quantities: list[int]):
    """A buyer with three addresses, points, a cart and a won order awaiting payment."""
    buyer = UserFactory()
    AddressFactory(user=buyer, label="Home", area=world.nairobi, latitude=Decimal("-1.2700"), longitude=Decimal("36.8000"))
    AddressFactory(user=buyer, label="Work", area=world.kilimani, latitude=Decimal("-1.3000"), longitude=Decimal("36.7800"))
    AddressFactory(user=buyer, label="Coast", area=world.coast)
    if points:
        LoyaltyEntry.objects.create(
            user=buyer, currency="KES", kind=LoyaltyEntry.Kind.EARNED, points=points, remaining=points,
            expires_at=timezone.now() + timedelta(days=300),
        )
    cart = Cart.objects.create(user=buyer)
    for variant, quantity in zip(world.variants, quantities, strict=True):
        if quantity:
            cart_add(cart=cart, variant=variant, quantity=quantity)
    own = CheckoutFactory(buyer=buyer, payment_method="", payment_status=PaymentStatus.AWAITING,
                          payment_due_by=timezone.now() + timedelta(days=2))
    OrderFactory(buyer=buyer, store=world.won_store, checkout=own, items=[(world.won_variant, 1)],
                 pay_by=timezone.now() + timedelta(days=2), status=OrderStatus.PENDING)
    return buyer


# --- the machine -----------------------------------------------------------------------------


class CheckoutEdits(RuleBasedStateMachine):
    world: World = None
    stats: dict = None

    def __init__(self):
        super().__init__()
        self.placed = None
        self.snapshots: list[tuple[dict, Decimal]] = []
        self.typed = ""
        self.points_wanted = False
        self.requests = 0
        self.promo_refused = False

    @initialize(
        points=st.sampled_from([0, 635, 20_000]),
        quantities=st.lists(st.integers(0, 3), min_size=3, max_size=3).filter(any),
    )
    def arrive(self, points, quantities):
        self.buyer = new_buyer(self.world, points=points, quantities=quantities)
        self.client = Client()
        self.client.force_login(self.buyer)
        self.browser = Browser(self.client)
        self.browser.load(Fields(self._get("/checkout/")))
        self._snapshot()

    # The requests a browser sends.
    def _get(self, path, params=None, **headers) -> str:
        self.requests += 1
        response = self.client.get(path, params or {}, headers=headers)
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    def _refresh_review(self) -> None:
        """A delivery choice, the points or a won order changed: htmx swaps ``#review``."""
        html = self._get("/checkout/", self.browser.htmx_query(), **{"HX-Request": "true", "HX-Target": "review"})
        self.browser.load(Fields(html), regions=("review",))
        self._snapshot()

    def _snapshot(self) -> None:
        self.snapshots = [*self.snapshots[-4:], (dict(self.browser.values), self.browser.shown)]

    def _post(self, data: dict, shown: Decimal) -> None:
        """Send the form; a placed checkout is checked against the review it came from."""
        self.requests += 1
        response = self.client.post("/checkout/", data)
        if response.status_code in (302, 303):
            self.placed = Checkout.objects.get(idempotency_key=data["idempotency_key"], buyer=self.buyer)
            self._check_placed(shown)
            return
        body = response.content.decode()
        assert response.status_code in (200, 422), response.status_code
        # The code's problem shows beside it, or in the refusal above the form (said once).
        self.promo_refused = bool(re.search(r'name="promo_code"[^>]*is-invalid', body))
        self.browser.load(Fields(body))
        self._snapshot()
        if response.status_code == 422:
            self.stats["refused"] += 1

    def _check_placed(self, shown: Decimal) -> None:
        checkout = self.placed
        self.stats["placed"] += 1
        assert checkout.total == shown, f"charged {checkout.total}, the review showed {shown}"
        orders = list(Order.objects.filter(checkout=checkout))
        assert sum((order.total for order in orders), Decimal("0")) == shown
        # Paid by card on the development gateway: the ledger books exactly that.
        assert checkout.payment_status == PaymentStatus.AWAITING
        dev_card_pay(checkout)
        captured = LedgerEntry.objects.filter(
            transaction__checkout=checkout, transaction__kind="capture", account__code__startswith="provider:"
        ).aggregate(total=Sum("amount_minor"))["total"]
        assert captured == money_to_minor(shown, "KES"), (captured, shown)
        # The codes' counts are the redemptions made.
        for code in PromoCode.objects.all():
            live = PromoRedemption.objects.filter(code=code, returned_at__isnull=True).count()
            assert code.uses == live, (code.code, code.uses, live)
        redemption = PromoRedemption.objects.filter(checkout=checkout).first()
        code_off = sum((order.discount - order.points_discount for order in orders), Decimal("0"))
        assert (redemption.amount if redemption else Decimal("0")) == code_off

    # What the buyer does.
    @precondition(lambda self: self.placed is None)
    @rule(code=st.sampled_from(CODES), apply=st.booleans())
    def type_code(self, code, apply):
        self.typed = code
        self.browser.values["promo_code"] = code
        if apply:  # "Apply": the whole page again, with the code's figures
            self._post(self.browser.data(recalculate="1"), self.browser.shown)

    @precondition(lambda self: self.placed is None)
    @rule()
    def toggle_points(self):
        if not self.browser.choices("use_points"):
            return
        if "use_points" in self.browser.values:
            del self.browser.values["use_points"]
        else:
            self.browser.values["use_points"] = "1"
        self.points_wanted = "use_points" in self.browser.values
        self._refresh_review()

    @precondition(lambda self: self.placed is None)
    @rule(which=st.integers(0, 2))
    def switch_delivery(self, which):
        names = sorted({field.name for field in self.browser.fields if field.name.startswith("delivery_")})
        if not names:
            return
        name = names[which % len(names)]
        choices = self.browser.choices(name)
        if len(choices) < 2:
            return
        self.browser.values[name] = next(choice for choice in choices if choice != self.browser.values.get(name))
        self._refresh_review()

    @precondition(lambda self: self.placed is None)
    @rule(which=st.integers(0, 2))
    def change_address(self, which):
        choices = [choice for choice in self.browser.choices("address") if choice != "new"]
        self.browser.values["address"] = choices[which % len(choices)]
        # The whole page comes back; htmx takes the delivery options and the review from it.
        html = self._get("/checkout/", self.browser.htmx_query(), **{"HX-Request": "true", "HX-Target": "delivery-options"})
        self.browser.load(Fields(html), regions=("delivery-options", "review"))
        self._snapshot()

    @precondition(lambda self: self.placed is None)
    @rule()
    def toggle_won(self):
        won = self.browser.choices("won")
        if not won:
            return
        chosen = list(self.browser.values.get("won", []))
        self.browser.values["won"] = [] if chosen else won
        self._refresh_review()

    @precondition(lambda self: self.placed is None)
    @rule()
    def back_to_a_fresh_page(self):
        """Back to the checkout: the server renders it afresh, the browser puts the form
        back as the buyer left it (no script runs here)."""
        self.browser.restore_over(Fields(self._get("/checkout/")))
        self.typed = self.browser.values.get("promo_code", "")
        self.points_wanted = "use_points" in self.browser.values

    @precondition(lambda self: self.placed is None and len(self.snapshots) > 1)
    @rule(which=st.integers(0, 4))
    def back_and_send_an_older_page(self, which):
        values, shown = self.snapshots[which % len(self.snapshots)]
        self.browser.values = dict(values)
        self.browser.shown = shown
        self.typed = values.get("promo_code", "")
        self.points_wanted = "use_points" in values
        self._place()

    @precondition(lambda self: self.placed is None)
    @rule()
    def place(self):
        self._place()

    def _place(self):
        self.browser.values["payment_method"] = "card"
        self._post(self.browser.data(), self.browser.shown)

    @rule()
    def hold(self):
        """Nothing on this step (after placing, the only one left)."""

    # Whatever was done, the page still holds what the buyer typed and chose.
    @invariant()
    def the_code_and_the_points_survive(self):
        if getattr(self, "browser", None) is None or self.placed is not None:
            return
        assert self.browser.values.get("promo_code", "").strip() == self.typed.strip(), (
            f"the code field holds {self.browser.values.get('promo_code')!r}, the buyer typed {self.typed!r}"
        )
        if not self.browser.choices("use_points"):
            self.points_wanted = False  # nothing to take off now: the box is greyed out
        assert ("use_points" in self.browser.values) == self.points_wanted, "the points choice was lost"

    def teardown(self):
        if getattr(self, "browser", None) is None:
            return
        if self.placed is None:
            self._place()
        if self.placed is None and self.promo_refused:
            # A code that does not apply stops the checkout with its reason: the buyer clears it.
            self.type_code(code="", apply=True)
            self._place()
        if self.placed is None:
            # Refused: the page now shows what would be placed, and that places as it stands.
            self._place()
            assert self.placed is not None, "a refusal's page could not be placed as shown"
        self.stats["requests"] += self.requests
        self.stats["examples"] += 1


def test_what_is_charged_is_what_the_review_showed_and_what_the_ledger_books(db, capsys):
    CheckoutEdits.world = build_world()
    CheckoutEdits.stats = stats = Counter()
    started = time.monotonic()
    run_state_machine_as_test(
        CheckoutEdits,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=5,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
        ),
    )
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\ncheckout edits: {dict(stats)} in {elapsed:.1f} s")
    assert stats["examples"] >= EXAMPLES and stats["placed"] >= EXAMPLES
    assert stats["refused"] > 0  # some sequences did send a page that no longer held
