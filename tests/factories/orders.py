"""Order factories: a placed order as checkout leaves it, built directly.

``OrderFactory()`` is a pending cash-on-delivery home delivery from a new store with one
line (2 × KES 250), its "placed" event and a handover code. ``items=3`` makes three lines
of new products of the order's store; ``items=[(variant, quantity), …]`` exactly those
(stock is not touched: checkout reserves it, these tests set it as their story needs).
``status=...`` sets the status directly, ``payment_method="card"``, ``delivery_mode="pickup"``,
``handover=False`` for no handover code.
"""

import random
from decimal import Decimal

import factory

from shop.orders.models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from shop.orders.services.handover import handover_code_issue
from shop.orders.services.numbers import order_number_new
from shop.payments.models import PaymentStatus

from . import StoreFactory, UserFactory
from .catalog import ProductFactory


class CheckoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Checkout

    buyer = factory.SubFactory(UserFactory)
    payment_method = "cod"
    # A checkout paid online in these stories is already paid.
    payment_status = factory.LazyAttribute(
        lambda checkout: PaymentStatus.ON_DELIVERY if checkout.payment_method == "cod" else PaymentStatus.PAID
    )
    recipient = "Amina Otieno"
    phone = "+254 712 345 678"
    area_label = "Kilimani, Nairobi"
    street = "Argwings Kodhek Road, house 12"
    instructions = "Blue gate next to the pharmacy"
    currency = "KES"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    class Params:
        payment_method = "cod"

    buyer = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    checkout = factory.SubFactory(
        CheckoutFactory,
        buyer=factory.SelfAttribute("..buyer"),
        payment_method=factory.SelfAttribute("..payment_method"),
    )
    number = factory.LazyFunction(order_number_new)
    status = OrderStatus.PENDING
    delivery_mode = Order.DeliveryMode.DELIVERY
    items_total = Decimal("0")
    delivery_fee = Decimal("0")
    total = Decimal("0")
    currency = "KES"

    @factory.post_generation
    def items(order, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = 1
        if isinstance(extracted, int):
            lines = []
            for _ in range(extracted):
                product = ProductFactory(store=order.store, variants__price=Decimal("250.00"), variants__stock=10)
                lines.append((product.variants.get(), 2))
        else:
            lines = list(extracted)
        total = Decimal("0")
        for variant, quantity in lines:
            line_total = variant.price * quantity
            OrderItem.objects.create(
                order=order,
                variant=variant,
                product_title=variant.product.title,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=variant.price,
                quantity=quantity,
                line_total=line_total,
            )
            total += line_total
        order.items_total = total
        order.total = total + order.delivery_fee
        Order.objects.filter(pk=order.pk).update(items_total=order.items_total, total=order.total)
        Checkout.objects.filter(pk=order.checkout_id).update(total=order.total)

    @factory.post_generation
    def placed(order, create, extracted, **kwargs):
        if create and extracted is not False:
            OrderEvent.objects.create(order=order, from_status="", to_status=OrderStatus.PENDING, actor=order.buyer)

    @factory.post_generation
    def handover(order, create, extracted, **kwargs):
        if create and extracted is not False:
            handover_code_issue(order=order)


def member_of(order):
    """The owner of the order's store (a seller who may act on it)."""
    return order.store.memberships.get().user


def orders_bulk_create(store, specs, *, buyer=None):
    """Orders built in bulk: ``specs`` are (created_at, status, currency, [(variant, quantity, unit price)])."""
    buyer = buyer or UserFactory()
    checkout = CheckoutFactory(buyer=buyer)
    orders = Order.objects.bulk_create(
        [
            Order(
                checkout=checkout, store=store, buyer=buyer, number=f"T-{store.pk}-{n}-{random.random():.9f}"[:20],
                status=status, items_total=Decimal("0"), total=sum((Decimal(p) * q for _v, q, p in lines), Decimal("0")),
                currency=currency,
            )
            for n, (_at, status, currency, lines) in enumerate(specs)
        ]
    )
    for order, (at, *_rest) in zip(orders, specs, strict=True):
        order.created_at = at
    Order.objects.bulk_update(orders, ["created_at"])
    OrderItem.objects.bulk_create(
        [
            OrderItem(order=order, variant=variant, product_title=variant.product.title, variant_name=variant.name,
                      unit_price=Decimal(price), quantity=quantity, line_total=Decimal(price) * quantity)
            for order, (_at, _s, _c, lines) in zip(orders, specs, strict=True)
            for variant, quantity, price in lines
        ]
    )
    return orders
