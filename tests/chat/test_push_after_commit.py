"""A message is a short write under the conversation's lock, with the bells of those away
from its page; its pushes follow the commit, rendered once per side, language and time zone,
and sent together. A message whose transaction rolls back pushes nothing and rings nothing."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sellers.models import StoreMember
from shop.accounts.models import User
from shop.chat.models import Message
from shop.chat.selectors import conversation_for_user
from shop.chat.services import conversations
from shop.chat.services.conversations import message_send
from shop.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.catalog import ReadyImageFactory
from tests.factories.chat import chat_world

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    pass


def message_pushes(pushes) -> list[tuple[str, str]]:
    """The pushes that carry a message (the bells are pushed too)."""
    return [(group, html) for group, html in pushes if 'id="chat-msg-' in html]


def test_a_message_rolled_back_with_its_transaction_pushes_nothing_and_rings_no_bell(pushes):
    world = chat_world()

    with pytest.raises(Rollback), transaction.atomic():
        message_send(conversation=world.conversation, user=world.buyer, text="Never sent")
        raise Rollback

    assert pushes == []
    assert not Message.objects.exists() and not Notification.objects.exists()
    message_send(conversation=world.conversation, user=world.buyer, text="Sent")
    assert {group for group, _html in message_pushes(pushes)} >= {f"user.{world.buyer.pk}", f"user.{world.owner.pk}"}
    assert Notification.objects.filter(user=world.owner, kind="chat").count() == 1


def test_nothing_is_pushed_before_the_commit_and_the_bells_are_written_with_the_message(pushes):
    world = chat_world()

    with transaction.atomic():
        message_send(conversation=world.conversation, user=world.buyer, text="Is it available?")
        assert pushes == []  # nothing leaves before the commit
        # A message is never stored without the bells of those away (nor a bell without it).
        assert Notification.objects.filter(kind="chat").count() == 2

    assert len(message_pushes(pushes)) == 3  # the shopper and both members of the store
    assert Notification.objects.filter(kind="chat").count() == 2


def test_the_message_is_rendered_once_per_side_language_and_time_zone_and_reaches_everyone(pushes, monkeypatch):
    world = chat_world()
    for language in ("en", "en", "fr"):
        member = UserFactory(language=language, time_zone="Africa/Nairobi")
        StoreMember.objects.create(store=world.store, user=member, role=StoreMember.Role.STAFF)
    User.objects.filter(pk__in=[world.owner.pk, world.staff.pk]).update(language="en", time_zone="Africa/Nairobi")
    rendered = []
    render = conversations.render_to_string
    monkeypatch.setattr(
        conversations, "render_to_string", lambda name, context: rendered.append(name) or render(name, context)
    )

    message = message_send(conversation=world.conversation, user=world.buyer, text="Hello team")

    team = set(world.store.members.values_list("pk", flat=True))
    assert len(team) == 5
    pushed = message_pushes(pushes)
    assert sorted(group for group, _html in pushed) == sorted(f"user.{pk}" for pk in team | {world.buyer.pk})
    assert all(f'id="chat-msg-{message.pk}"' in html for _group, html in pushed)
    # The team in English at Nairobi shares one copy, the French member another, the shopper a third.
    assert rendered.count("chat/_push.html") == 3


def test_a_text_message_is_pushed_from_what_the_send_has_in_hand_as_a_read_back_would_show_it(pushes):
    """A text message's push renders the message and conversation the send holds (no query
    for either), and shows exactly what reading both back after the commit shows: the
    store's logo, the subject, the counts and the read state."""
    world = chat_world(logo=ReadyImageFactory())
    conversation = conversation_for_user(user=world.buyer, pk=world.conversation.pk, for_writing=True).conversation
    message_send(conversation=conversation, user=world.owner, text="Earlier answer")
    pushes.clear()
    viewer = conversation_for_user(user=world.buyer, pk=world.conversation.pk, for_writing=True)

    with CaptureQueriesContext(connection) as captured:
        message = message_send(conversation=viewer.conversation, user=world.buyer, text="Still available?")
    in_hand = message_pushes(pushes)
    assert not [query for query in captured if "chat_message" in query["sql"] and query["sql"].startswith("SELECT")]
    pushes.clear()
    conversations._push_message(conversation=viewer.conversation, message_id=message.pk)  # read back, as for a picture
    read_back = message_pushes(pushes)

    assert len(in_hand) == 3 and sorted(in_hand) == sorted(read_back)
    assert all('class="picture' in html or "<picture" in html for group, html in in_hand if group == f"user.{world.buyer.pk}")


def test_a_conversation_read_without_what_the_push_shows_is_read_again_for_the_push(pushes):
    world = chat_world(logo=ReadyImageFactory())
    bare = conversation_for_user(user=world.buyer, pk=world.conversation.pk, for_writing=True, related=()).conversation

    with CaptureQueriesContext(connection) as captured:
        message = message_send(conversation=bare, user=world.buyer, text="Still available?")

    assert [query for query in captured if query["sql"].startswith("SELECT") and '"chat_message"."id" = ' in query["sql"]]
    pushed = message_pushes(pushes)
    assert len(pushed) == 3 and all(f'id="chat-msg-{message.pk}"' in html for _group, html in pushed)
    assert any("<picture" in html for group, html in pushed if group == f"user.{world.buyer.pk}")  # the store's logo
