"""A store with a team of two, a shopper, and their conversation about a product."""

from dataclasses import dataclass

import pytest

from sellers.models import StoreMember
from shop.chat.models import Conversation
from shop.chat.services.conversations import ChatError, conversation_start
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory


@dataclass
class Chat:
    conversation: Conversation
    buyer: object
    owner: object
    staff: object
    store: object
    product: object


def chat_world(*, stock: int = 10, price: str = "250.00", **store_fields) -> Chat:
    owner = UserFactory(display_name="Owner Olu")
    store = StoreFactory(owner=owner, **store_fields)
    staff = UserFactory(display_name="Staff Sam")
    StoreMember.objects.create(store=store, user=staff, role=StoreMember.Role.STAFF)
    product = ProductFactory(store=store, title="Blue kanga", variants=[{"stock": stock, "price": price}])
    buyer = UserFactory(display_name="Buyer Bea")
    conversation = conversation_start(buyer=buyer, store=store, product=product)
    return Chat(conversation=conversation, buyer=buyer, owner=owner, staff=staff, store=store, product=product)


def refused(call, code=None) -> ChatError:
    """The ChatError ``call()`` raises (with ``code``, when given)."""
    with pytest.raises(ChatError) as caught:
        call()
    if code is not None:
        assert caught.value.code == code, (caught.value.code, str(caught.value))
    return caught.value
