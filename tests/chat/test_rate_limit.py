"""The chat's per-minute limit holds under a race: each message takes a slot before it is
stored, so a burst of sends at once stores exactly the limit; a message that is not
stored gives its slot back."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.chat.models import Conversation, Message
from shop.chat.services.conversations import ChatError, message_send
from tests.concurrency import at_once
from tests.factories.chat import chat_world, refused

# The limit counts in the clock's minutes: each test's sends fall in one.
pytestmark = pytest.mark.usefixtures("one_rate_window")


def send(world, user, text):
    return message_send(conversation=Conversation.objects.get(pk=world.conversation.pk), user=user, text=text)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "burst",
    [
        pytest.param(12, id="any-database"),  # SQLite's IMMEDIATE transactions take them in turn
        pytest.param(40, id="postgres-row-lock", marks=pytest.mark.postgres),
    ],
)
def test_a_burst_of_sends_at_once_stores_exactly_the_limit(settings, burst):
    settings.SOKO_CHAT_MESSAGES_PER_MINUTE = burst // 2
    world = chat_world()

    outcomes = at_once([lambda n=n: send(world, world.buyer, f"Message {n}") for n in range(burst)])

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ChatError)]
    assert len(refusals) == burst - burst // 2 and {error.code for error in refusals} == {"rate"}
    assert Message.objects.filter(sender=world.buyer).count() == burst // 2


@pytest.mark.django_db
def test_a_message_that_is_not_stored_does_not_count(settings):
    settings.SOKO_CHAT_MESSAGES_PER_MINUTE = 2
    world = chat_world()
    send(world, world.buyer, "One")
    fake = SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not a picture at all", content_type="image/jpeg")
    with pytest.raises(Exception, match="is not a JPEG, PNG, WebP or GIF picture"):
        message_send(conversation=world.conversation, user=world.buyer, upload=fake)

    send(world, world.buyer, "Two")

    refused(lambda: send(world, world.buyer, "Three"), code="rate")
