"""The API's object endpoints, asked by every role for an object that is someone else's or
hidden: the same answer as for an object that does not exist (a 404 once signed in; a
401 for a visitor where signing in is needed; a 403 where the role itself is refused, as
a buyer on a courier's endpoint), with every method the endpoint answers. Each object's
owner reads it, so the paths name real objects.

The routes are walked from the resolver: an endpoint added under /api/v1/ with a path
parameter fails ``test_every_object_endpoint_is_in_the_matrix`` until its foreign object
is named here."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from couriers.models import DeliveryJob
from returns.models import ReturnRequest
from shop.accounts.models import Address
from shop.auctions.models import Auction
from shop.cart.models import CartItem
from shop.catalog.models import Product, ProductImage
from shop.chat.models import Conversation, Offer
from tests.factories import CourierProfileFactory, StoreFactory, UserFactory
from tests.factories.auctions import auction_product
from tests.factories.catalog import ProductFactory
from tests.world import world_build

pytestmark = pytest.mark.django_db

ROLES = ("visitor", "buyer", "seller", "courier", "staff")
MISSING = {
    "pk": "999999",
    "return_id": "999999",
    "credit_note_id": "999999",
    "number": "SK-NONE-0000",
    "slug": "no-such-thing",
}

# route -> (whose it is, how its path is filled from the world's objects)
OBJECTS = {
    "addresses/<int:pk>/": ("buyer", lambda o: {"pk": o["address"].pk}),
    "cart/lines/<int:pk>/": ("buyer", lambda o: {"pk": o["cart_line"].pk}),
    "checkouts/<int:pk>/payment-methods/": ("buyer", lambda o: {"pk": o["order"].checkout_id}),
    "checkouts/<int:pk>/payment/": ("buyer", lambda o: {"pk": o["order"].checkout_id}),
    "checkouts/<int:pk>/payments/": ("buyer", lambda o: {"pk": o["order"].checkout_id}),
    "conversations/<int:pk>/": ("buyer", lambda o: {"pk": o["conversation"].pk}),
    "conversations/<int:pk>/messages/": ("buyer", lambda o: {"pk": o["conversation"].pk}),
    "conversations/<int:pk>/offers/": ("seller", lambda o: {"pk": o["conversation"].pk}),
    "offers/<int:pk>/accept/": ("buyer", lambda o: {"pk": o["offer"].pk}),
    "offers/<int:pk>/decline/": ("buyer", lambda o: {"pk": o["offer"].pk}),
    "courier/jobs/<int:pk>/": ("courier", lambda o: {"pk": o["job"].pk}),
    "courier/jobs/<int:pk>/accept/": ("courier", lambda o: {"pk": o["job"].pk}),
    "courier/jobs/<int:pk>/cash/": ("courier", lambda o: {"pk": o["job"].pk}),
    "courier/jobs/<int:pk>/pickup/": ("courier", lambda o: {"pk": o["job"].pk}),
    "orders/<str:number>/": ("buyer", lambda o: {"number": o["order"].number}),
    "orders/<str:number>/cancel/": ("buyer", lambda o: {"number": o["order"].number}),
    "orders/<str:number>/confirm/": ("buyer", lambda o: {"number": o["order"].number}),
    "orders/<str:number>/invoice/": ("buyer", lambda o: {"number": o["order"].number}),
    "orders/<str:number>/credit-notes/<int:credit_note_id>/": (
        "buyer",
        lambda o: {"number": o["order"].number, "credit_note_id": 999999},
    ),
    "orders/<str:number>/returns/": ("buyer", lambda o: {"number": o["order"].number}),
    "orders/<str:number>/reviews/": ("buyer", lambda o: {"number": o["order"].number}),
    "returns/<int:return_id>/": ("buyer", lambda o: {"return_id": o["return"].pk}),
    "seller/images/<int:pk>/": ("seller", lambda o: {"pk": o["image"].pk}),
    "seller/orders/<str:number>/": ("seller", lambda o: {"number": o["order"].number}),
    "seller/orders/<str:number>/delivery/": ("seller", lambda o: {"number": o["order"].number}),
    "seller/orders/<str:number>/transitions/": ("seller", lambda o: {"number": o["order"].number}),
    "seller/products/<int:pk>/": ("seller", lambda o: {"pk": o["product"].pk}),
    "seller/products/<int:pk>/images/": ("seller", lambda o: {"pk": o["product"].pk}),
    "seller/products/<int:pk>/variants/": ("seller", lambda o: {"pk": o["product"].pk}),
    "seller/variants/<int:pk>/": ("seller", lambda o: {"pk": o["product"].variants.first().pk}),
    "seller/variants/<int:pk>/stock/": ("seller", lambda o: {"pk": o["product"].variants.first().pk}),
    **{
        f"seller/stores/<slug:slug>/{tail}": ("seller", lambda o: {"slug": o["store"].slug})
        for tail in (
            "",
            "ledger/",
            "orders/",
            "payouts/",
            "products/",
            "promo-codes/",
            "promotions/",
            "team/",
            "team/invites/",
        )
    },
    # Public objects: foreign to no one, but a hidden one is nobody's.
    "products/<slug:slug>/": (None, lambda o: {"slug": o["hidden_product"].slug}),
    "products/<slug:slug>/reviews/": (None, lambda o: {"slug": o["hidden_product"].slug}),
    "favorites/products/<slug:slug>/": (None, lambda o: {"slug": o["hidden_product"].slug}),
    "favorites/products/<slug:slug>/toggle/": (None, lambda o: {"slug": o["hidden_product"].slug}),
    "auctions/<int:pk>/": (None, lambda o: {"pk": o["hidden_auction"].pk}),
    "auctions/<int:pk>/bids/": (None, lambda o: {"pk": o["hidden_auction"].pk}),
    "auctions/<int:pk>/buy-now/": (None, lambda o: {"pk": o["hidden_auction"].pk}),
    "auctions/<int:pk>/watch/": (None, lambda o: {"pk": o["hidden_auction"].pk}),
}
# Every store is public (its page, its listings, its heart): nothing to be foreign to.
PUBLIC = {
    "stores/<slug:slug>/",
    "stores/<slug:slug>/products/",
    "favorites/stores/<slug:slug>/",
    "favorites/stores/<slug:slug>/toggle/",
}
# Staff read every conversation, as on the pages (moderation), and write to none; the API
# takes a staff account's token only after its authenticator step.
STAFF_READS = {"conversations/<int:pk>/", "conversations/<int:pk>/messages/"}
# The world's order is not paid, so it has no invoice or credit note for its buyer to read.
NOTHING_TO_READ = {"orders/<str:number>/invoice/", "orders/<str:number>/credit-notes/<int:credit_note_id>/"}


def api_object_routes() -> dict[str, type]:
    """Every /api/v1/ route with a path parameter -> its view class."""
    found = {}

    def walk(entries, prefix: str):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and prefix.startswith("api/v1/") and "<" in str(entry.pattern) + prefix:
                found[(prefix + str(entry.pattern)).removeprefix("api/v1/")] = entry.callback.cls

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = api_object_routes()


def methods(view) -> list[str]:
    return [name for name in ("get", "post", "put", "patch", "delete") if hasattr(view, name)]


def fill(route: str, values: dict) -> str:
    return "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), route)


def _hidden_auction() -> Auction:
    """A live auction of a listing staff hid (made directly: ``auction_create`` runs in a
    durable transaction of its own, which the module's rolled-back one cannot hold)."""
    product = auction_product(title="Hidden carving", status=Product.Status.HIDDEN)
    now = timezone.now()
    return Auction.objects.create(
        product=product,
        store=product.store,
        currency=product.store.currency,
        start_price=Decimal("100"),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        status=Auction.Status.LIVE,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Their world (tests/world.py: a buyer's order, address, cart, conversation with an
    offer, return; a store's listings; a courier's job) and our people, one per role, each
    with things of their own so that no role is turned away for having none."""
    with django_db_blocker.unblock(), transaction.atomic():
        theirs = world_build(domain="theirs.test")
        buyer = theirs["users"]["buyer"]
        conversation = Conversation.objects.filter(buyer=buyer).first()
        ours = {
            "buyer": UserFactory(email="buyer@ours.test"),
            "seller": UserFactory(email="seller@ours.test"),
            "courier": CourierProfileFactory(status="approved", user=UserFactory(email="courier@ours.test")).user,
            "staff": UserFactory(email="staff@ours.test", is_staff=True, is_superuser=True),
        }
        StoreFactory(owner=ours["seller"], slug="our-store")
        hidden = ProductFactory(title="Hidden kikoi", status=Product.Status.HIDDEN)
        objects = {
            "order": theirs["order"],
            "product": theirs["product"],
            "store": theirs["store"],
            "address": Address.objects.filter(user=buyer).first(),
            "cart_line": CartItem.objects.filter(cart__user=buyer).first(),
            "conversation": conversation,
            "offer": Offer.objects.filter(conversation=conversation).first(),
            "job": DeliveryJob.objects.filter(courier=theirs["users"]["courier"]).first(),
            "return": ReturnRequest.objects.filter(buyer=buyer).first(),
            "image": ProductImage.objects.filter(product=theirs["product"]).first(),
            "hidden_product": hidden,
            "hidden_auction": _hidden_auction(),
        }
        yield {"theirs": theirs["users"], "ours": ours, "objects": objects}
        transaction.set_rollback(True)


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def ask(client: Client, method: str, path: str):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if method == "get":
        return client.get(path, headers=headers)
    return getattr(client, method)(path, data="{}", content_type="application/json", headers=headers)


def answer_of(response) -> tuple[int, str | None]:
    is_problem = response.get("Content-Type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("code") if is_problem else None


def test_every_object_endpoint_is_in_the_matrix():
    assert set(ROUTES) - set(OBJECTS) - PUBLIC == set()
    assert set(OBJECTS) | PUBLIC <= set(ROUTES)  # no stale entry


def test_the_public_endpoints_are_public(world):
    client = client_as(world["ours"]["buyer"])
    for route in PUBLIC:
        if "get" in methods(ROUTES[route]):
            response = client.get(fill(route, {"slug": world["objects"]["store"].slug}))
            assert response.status_code == 200, route


@pytest.mark.parametrize("route", sorted(OBJECTS))
def test_someone_elses_object_answers_as_a_missing_one(world, route):
    owner_role, values = OBJECTS[route]
    view = ROUTES[route]
    foreign = fill(route, values(world["objects"]))
    missing = fill(
        route,
        {**values(world["objects"]), **{k: v for k, v in MISSING.items() if k != "number" or "credit" not in route}},
    )
    if owner_role and "get" in methods(view) and route not in NOTHING_TO_READ:
        # The path names a real object: its owner reads it.
        assert ask(client_as(world["theirs"][owner_role]), "get", foreign).status_code == 200, foreign
    for role in ROLES:
        client = client_as(world["ours"].get(role))
        for method in methods(view):
            got = answer_of(ask(client, method, foreign))
            if role == "staff" and method == "get" and route in STAFF_READS:
                assert got[0] == 200, (role, foreign, got)
                continue
            # A body the endpoint refuses (400) is refused before it looks: the same either way.
            assert got == answer_of(ask(client, method, missing)), (role, method.upper(), foreign, got)
            assert got[0] in ((400, 401, 403, 404) if role == "visitor" else (400, 403, 404)), (
                role,
                method.upper(),
                foreign,
                got,
            )
