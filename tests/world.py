"""A small world of real objects for the suites that walk every page (the fuzz suite, the
pseudo-locale suite): two stores (one the seller's, one a stranger's), their products, a
buyer with an address, a cart, an order and a notification, an order its store has still to
send out, an approved courier holding a return pickup, and a staff member."""

from django.test import Client, RequestFactory

from shop.cart.services import cart_add, cart_get_for_request
from shop.core.services.heartbeat import heartbeat_beat
from shop.notifications.services.notifications import notify
from tests.factories import CourierProfileFactory, StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.orders import OrderFactory

# Seeds of a crawl: the pages a person of each kind starts from.
SEEDS = [
    "/",
    "/stores/",
    "/search/?q=kikoi",
    "/cart/",
    "/checkout/",
    "/orders/",
    "/favorites/",
    "/notifications/",
    "/accounts/profile/",
    "/accounts/addresses/",
    "/dashboard/",
    "/dashboard/products/",
    "/dashboard/orders/",
    "/dashboard/team/",
    "/dashboard/settings/",
    "/courier/",
    "/admin/",
]


def world_build(*, domain: str = "world.test", **user_fields) -> dict:
    """Create the world (inside the caller's transaction); ``user_fields`` go on every user."""
    seller = UserFactory(email=f"seller@{domain}", **user_fields)
    buyer = UserFactory(email=f"buyer@{domain}", **user_fields)
    staff = UserFactory(email=f"staff@{domain}", is_staff=True, is_superuser=True, **user_fields)
    courier = CourierProfileFactory(status="approved", user=UserFactory(email=f"courier@{domain}", **user_fields)).user
    store = StoreFactory(owner=seller, name="Duka la Fuzz", slug="duka-la-fuzz")
    stranger = StoreFactory(name="Other Store", slug="other-store")
    category = CategoryFactory(name="Fashion", slug="fashion")
    product = ProductFactory(store=store, category=category, title="Kikoi wrap", variants=2, images=1, tags=["kikoi"])
    ProductFactory(store=stranger, category=category, title="Kikoi scarf", variants=1)
    AddressFactory(user=buyer)
    order = OrderFactory(buyer=buyer, store=store)
    notify(user=buyer, kind="system", text="Welcome", url="/orders/")
    heartbeat_beat()  # a worker is alive, so the readiness probe answers 200
    cart_add(cart=cart_for_request_user(buyer), variant=product.variants.first(), quantity=1)
    conversation = _chat(buyer=buyer, seller=seller, store=store, product=product, order=order)
    delivered = _reviewed(buyer=buyer, seller=seller, store=store, product=product)
    returned = _returns(buyer=buyer, seller=seller, store=store)
    return_job = _return_pickup(buyer=buyer, seller=seller, store=store, courier=courier)
    # Confirmed, to be delivered from an area the courier serves: the store chooses who delivers it.
    to_send = OrderFactory(buyer=buyer, store=type(store).objects.get(pk=store.pk), status="confirmed")
    complaint = _complaint(order=delivered)
    export = _export(staff=staff)
    users = {"buyer": buyer, "seller": seller, "courier": courier, "staff": staff}
    seeds = [
        *SEEDS,
        f"/p/{product.slug}/",
        f"/s/{store.slug}/",
        f"/orders/{order.number}/",
        f"/dashboard/products/{product.pk}/",
        f"/dashboard/orders/{order.number}/",
        "/messages/",
        f"/messages/{conversation.pk}/",
        f"/messages/{conversation.pk}/offers/new/",
        "/dashboard/messages/",
        "/dashboard/messages/replies/",
        f"/reviews/order/{delivered.number}/",
        f"/reviews/product/{product.pk}/",
        "/reviews/feedback/",
        "/dashboard/reviews/",
        f"/dashboard/orders/{delivered.number}/",
        f"/dashboard/orders/{to_send.number}/",
        "/complaints/",
        f"/complaints/{complaint.number}/",
        f"/complaints/new/order/{delivered.number}/",
        "/dashboard/complaints/",
        "/returns/",
        f"/returns/{returned['requested'].pk}/",
        f"/returns/{returned['rejected'].pk}/",
        f"/returns/new/{returned['requested'].order.number}/",
        "/dashboard/returns/",
        f"/dashboard/returns/{returned['requested'].pk}/",
        f"/dashboard/returns/{returned['rejected'].pk}/",
        f"/courier/jobs/{return_job.pk}/",
        "/courier/earnings/",
        "/reports/",
        f"/report/product/{product.pk}/",
        f"/report/store/{store.pk}/",
        f"/report/user/{buyer.pk}/",
        f"/admin/moderation/export/{export.pk}/change/",
        f"/admin/moderation/export/{export.pk}/download/",
        f"/admin/moderation/export/progress/?id={export.pk}",
    ]
    return {"users": users, "order": order, "product": product, "store": store, "seeds": seeds}


def _chat(*, buyer, seller, store, product, order):
    """The buyer's conversation with the store: words, a product card, an order card and an open offer."""
    from decimal import Decimal

    from shop.chat.selectors import conversation_for_user
    from shop.chat.services.conversations import conversation_start, message_send, quick_reply_add
    from shop.chat.services.offers import LineAsked, offer_make

    conversation = conversation_start(buyer=buyer, store=store, product=product)
    message_send(conversation=conversation, user=buyer, text="Is it available in blue?")
    message_send(conversation=conversation, user=seller, product=product)
    message_send(conversation=conversation, user=buyer, order=order)
    quick_reply_add(store=store, text="Yes, it is in stock.")
    variant = product.variants.first()
    offer_make(
        viewer=conversation_for_user(user=seller, pk=conversation.pk),
        user=seller,
        lines=[LineAsked(variant_id=variant.pk, quantity=1, unit_price=variant.price - Decimal("1"))],
        delivery_mode="pickup",
        delivery_fee=Decimal("0"),
    )
    return conversation


def _export(*, staff):
    """A staff export of today's orders, asked and waiting for the worker (no file yet)."""
    from django.utils import timezone

    from shop.moderation.models import Export

    today = timezone.localdate()
    return Export.objects.create(requested_by=staff, kind="orders", date_from=today, date_to=today)


def _complaint(*, order):
    """The buyer's complaint about a delivered order."""
    from shop.moderation.complaints.services import complaint_file

    return complaint_file(user=order.buyer, side="buyer", kind="not_as_described", text="Faded colours", order=order)


def _return_pickup(*, buyer, seller, store, courier):
    """A delivered order of the store whose return the courier is on its way to collect."""
    from couriers.services import job_accept, return_job_create
    from tests.geo.factories import AreaFactory

    area = AreaFactory(name="Fuzz Market")
    type(store).objects.filter(pk=store.pk).update(area=area)
    courier.courier_profile.areas.set([area])
    delivered = OrderFactory(buyer=buyer, store=type(store).objects.get(pk=store.pk), status="delivered")
    job = return_job_create(order=delivered, actor=seller, payer="buyer", note="1 × Kikoi wrap")
    return job_accept(job_id=job.pk, courier=courier)


def _returns(*, buyer, seller, store):
    """Delivered orders with a return asked for, and one the store rejected (escalatable)."""
    from django.utils import timezone

    from returns.services import return_reject, return_request_create

    made = {}
    for name in ("requested", "rejected"):
        delivered = OrderFactory(buyer=buyer, store=store, status="delivered", delivered_at=timezone.now())
        item = delivered.items.first()
        made[name] = return_request_create(
            order=delivered, buyer=buyer, lines={item.pk: 1}, reason="damaged", text="The seam is torn"
        )
    made["rejected"] = return_reject(request=made["rejected"], actor=seller, reason="Worn since")
    return made


def _reviewed(*, buyer, seller, store, product):
    """A delivered order of the buyer's, reviewed (one line and the store), answered by the
    store, with feedback on the buyer."""
    from django.utils import timezone

    from shop.orders.models import Order
    from shop.reviews.services import buyer_feedback_leave, review_respond, review_save

    order = OrderFactory(buyer=buyer, store=store, items=[(product.variants.first(), 1)])
    Order.objects.filter(pk=order.pk).update(status="delivered", delivered_at=timezone.now())
    order.refresh_from_db()
    review = review_save(order=order, author=buyer, item=order.items.first(), stars=4, text="Soft and bright")
    review_save(order=order, author=buyer, stars=5, text="Quick and friendly")
    review_respond(review=review, user=seller, text="Asante!")
    buyer_feedback_leave(order=order, user=seller, rating="positive", comment="Paid on time")
    return order


def cart_for_request_user(user):
    fake = RequestFactory().get("/")
    fake.user, fake.session = user, {}
    return cart_get_for_request(fake, create=True)


def client_for(users: dict, role: str, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    if role != "anonymous":
        client.force_login(users[role])
    return client
