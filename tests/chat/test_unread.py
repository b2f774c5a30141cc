"""The messages badge counts every conversation a person reads, from whichever side: their
own as a shopper, every store they are on the team of, the deliveries they carry."""

import pytest

from sellers.models import StoreMember
from shop.chat.models import Conversation
from shop.chat.selectors import unread_total
from tests.factories import StoreFactory, UserFactory
from tests.factories.couriers import DeliveryJobFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def test_the_unread_total_sums_each_conversation_from_the_side_the_person_reads():
    person, other = UserFactory(), UserFactory()
    own_store, team_store, elsewhere = StoreFactory(owner=person), StoreFactory(), StoreFactory()
    StoreMember.objects.create(store=team_store, user=person, role=StoreMember.Role.STAFF)
    rows = [
        # (buyer, store, kind, courier, buyer_unread, team_unread, what ``person`` reads)
        (person, elsewhere, Conversation.Kind.STORE, None, 3, 50, 3),
        (other, own_store, Conversation.Kind.STORE, None, 60, 5, 5),
        (other, team_store, Conversation.Kind.STORE, None, 70, 7, 7),
        (other, elsewhere, Conversation.Kind.STORE, None, 80, 90, 0),
        (other, elsewhere, Conversation.Kind.DELIVERY, person, 100, 11, 11),
        (other, own_store, Conversation.Kind.DELIVERY, other, 100, 200, 0),  # the store's delivery: its courier's
    ]
    for buyer, store, kind, courier, buyer_unread, team_unread, _reads in rows:
        job = DeliveryJobFactory(order=OrderFactory(buyer=buyer, store=store), courier=courier) if courier else None
        Conversation.objects.create(
            buyer=buyer, store=store, kind=kind, courier=courier, job=job, buyer_unread=buyer_unread, team_unread=team_unread
        )

    assert unread_total(user=person) == sum(reads for *_row, reads in rows) == 26
    assert unread_total(user=UserFactory()) == 0
    StoreMember.objects.filter(store=team_store, user=person).delete()
    assert unread_total(user=person) == 19
