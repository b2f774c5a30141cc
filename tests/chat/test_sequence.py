"""Every message of a conversation has the next sequence number, with no gap and no
duplicate however many people send at once; a page that missed messages asks for those
after the last number it shows and gets exactly those, in order; unread counts follow."""


import pytest
from django.test import Client
from django.urls import reverse

from shop.chat.models import Conversation, Message
from shop.chat.services.conversations import conversation_start, message_send
from tests.concurrency import at_once
from tests.factories import StoreFactory
from tests.factories.chat import chat_world
from tests.html import dom

SENDERS = 20


def seqs_in(html: str) -> list[int]:
    return [int(message.attr("data-seq")) for message in dom(html).all("[data-seq]")]


def badge_in(html: str) -> int:
    return int(dom(html).one("[data-testid=chat-unread]").attr("data-count"))


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "rounds",
    [
        pytest.param(1, id="any-database"),  # SQLite's IMMEDIATE transactions take them in turn
        pytest.param(3, id="postgres-row-lock", marks=pytest.mark.postgres),
    ],
)
def test_twenty_people_sending_at_once_get_numbers_one_to_n_with_no_gap(settings, rounds):
    settings.SOKO_CHAT_MESSAGES_PER_MINUTE = 1000
    world = chat_world()
    people = [world.buyer, world.owner, world.staff]

    def sender(number):
        person = people[number % len(people)]

        def send():
            sent = []
            for round_ in range(rounds):
                conversation = Conversation.objects.get(pk=world.conversation.pk)
                sent.append(message_send(conversation=conversation, user=person, text=f"message {number}.{round_}").seq)
            return sent

        return send

    outcomes = at_once([sender(number) for number in range(SENDERS)])

    assert [outcome for outcome in outcomes if not isinstance(outcome, list)] == []
    total = SENDERS * rounds
    returned = sorted(seq for outcome in outcomes for seq in outcome)
    assert returned == list(range(1, total + 1))
    stored = list(Message.objects.filter(conversation=world.conversation).order_by("seq").values_list("seq", "side", "text"))
    assert [seq for seq, _side, _text in stored] == list(range(1, total + 1))
    assert len({text for _seq, _side, text in stored}) == total
    conversation = Conversation.objects.get(pk=world.conversation.pk)
    assert conversation.seq == total
    # The counters moved under the same lock as the numbers: they agree with the order.
    last_buyer = max(seq for seq, side, _text in stored if side == "buyer")
    last_team = max(seq for seq, side, _text in stored if side == "team")
    assert conversation.buyer_read_seq == last_buyer and conversation.team_read_seq == last_team
    assert conversation.team_unread == sum(1 for seq, side, _text in stored if side == "buyer" and seq > last_team)
    assert conversation.buyer_unread == sum(1 for seq, side, _text in stored if side == "team" and seq > last_buyer)
    assert conversation.last_preview == stored[-1][2]


# --- A page that missed messages ---------------------------------------------------------


@pytest.mark.django_db
def test_a_page_that_was_away_shows_every_message_it_missed_in_order():
    world = chat_world()
    for person, text in ((world.buyer, "Hello"), (world.owner, "Karibu"), (world.buyer, "Do you deliver?")):
        message_send(conversation=world.conversation, user=person, text=text)
    shopper = browser(world.buyer)
    page = shopper.get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    last_seen = max(seqs_in(page))
    assert last_seen == 3

    # The shopper's socket is closed (a tunnel, a sleeping phone) while the team answers.
    missed = [
        (world.owner, "Yes, in Westlands"),
        (world.staff, "Tomorrow morning"),
        (world.staff, ""),  # the product card
        (world.owner, "Or pick it up"),
        (world.staff, "Karibu tena"),
    ]
    for person, text in missed:
        message_send(
            conversation=world.conversation, user=person, text=text, product=None if text else world.product
        )
    since = reverse("chat:since", args=[world.conversation.pk])

    back = shopper.get(f"{since}?after={last_seen}", HTTP_HX_REQUEST="true")

    html = back.content.decode()
    assert back.status_code == 200 and not dom(html).has("html")
    assert seqs_in(html) == [4, 5, 6, 7, 8]
    texts = [text for _person, text in missed if text]
    assert [html.index(text) for text in texts] == sorted(html.index(text) for text in texts)
    assert "Blue kanga" in dom(html).one("[data-testid=chat-product-card]").text
    assert "Do you deliver?" not in html and "Karibu<" not in html
    assert seqs_in(shopper.get(f"{since}?after=6").content.decode()) == [7, 8]
    assert seqs_in(shopper.get(f"{since}?after=8").content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "junk", ["", "abc", "-1", "1.5", "3e2", "0x10", "²", "１２", "99999999999999999999999", "2;select", " 7 7"]
)
def test_junk_in_the_address_reads_as_from_the_start_never_an_error(junk):
    world = chat_world()
    for text in ("one", "two", "three"):
        message_send(conversation=world.conversation, user=world.buyer, text=text)
    client = browser(world.owner)

    since = client.get(reverse("chat:since", args=[world.conversation.pk]), {"after": junk}, HTTP_HX_REQUEST="true")
    page = client.get(reverse("chat:conversation", args=[world.conversation.pk]), {"before": junk})
    earlier = client.get(reverse("chat:conversation", args=[world.conversation.pk]), {"before": junk}, HTTP_HX_REQUEST="true")

    assert since.status_code == 200 and seqs_in(since.content.decode()) == [1, 2, 3]
    assert page.status_code == 200 and seqs_in(page.content.decode()) == [1, 2, 3]
    assert earlier.status_code == 200


# --- Unread counts -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("reads", ["opens the page", "posts read"])
def test_one_team_member_reading_clears_the_unread_count_for_the_whole_team(reads):
    world = chat_world()
    other = conversation_start(buyer=world.buyer, store=StoreFactory())
    owner, staff, shopper = browser(world.owner), browser(world.staff), browser(world.buyer)
    inbox = reverse("chat:inbox")

    message_send(conversation=world.conversation, user=world.buyer, text="Hello?")
    message_send(conversation=world.conversation, user=world.buyer, text="Anyone there?")
    message_send(conversation=other, user=world.buyer, text="And you?")

    conversation = Conversation.objects.get(pk=world.conversation.pk)
    assert (conversation.team_unread, conversation.buyer_unread) == (2, 0)
    assert [badge_in(client.get(inbox).content.decode()) for client in (owner, staff, shopper)] == [2, 2, 0]
    badge = dom(owner.get(inbox)).one("[data-testid=store-inbox-link] .badge")
    assert badge.text == "2 unread" and badge.one(".visually-hidden").text == "unread"

    if reads == "opens the page":
        opened = staff.get(reverse("chat:conversation", args=[world.conversation.pk]))
        assert badge_in(opened.content.decode()) == 0
    else:
        assert staff.post(reverse("chat:read", args=[world.conversation.pk])).status_code == 204

    conversation.refresh_from_db()
    assert (conversation.team_unread, conversation.team_read_seq) == (0, 2)
    assert [badge_in(client.get(inbox).content.decode()) for client in (owner, staff)] == [0, 0]
    assert Conversation.objects.get(pk=other.pk).team_unread == 1  # another store's stays unread

    message_send(conversation=world.conversation, user=world.owner, text="Yes, here")
    message_send(conversation=other, user=other.store.memberships.get().user, text="Here too")
    conversation.refresh_from_db()
    assert (conversation.team_unread, conversation.buyer_unread) == (0, 1)
    assert badge_in(shopper.get(inbox).content.decode()) == 2  # across both stores
    assert [badge_in(client.get(inbox).content.decode()) for client in (owner, staff)] == [0, 0]
    unread_url = reverse("chat:unread")
    assert badge_in(shopper.get(unread_url).content.decode()) == 2
    shopper.get(reverse("chat:conversation", args=[world.conversation.pk]))
    assert badge_in(shopper.get(unread_url).content.decode()) == 1


@pytest.mark.django_db
def test_the_sender_never_counts_their_own_messages_as_unread():
    world = chat_world()
    for text in ("one", "two", "three"):
        message_send(conversation=world.conversation, user=world.buyer, text=text)
    message_send(conversation=world.conversation, user=world.staff, text="yes?")

    conversation = Conversation.objects.get(pk=world.conversation.pk)
    # The staff member's answer read the shopper's messages for the whole team.
    assert (conversation.buyer_unread, conversation.team_unread) == (1, 0)
    assert (conversation.buyer_read_seq, conversation.team_read_seq) == (3, 4)
    assert badge_in(browser(world.owner).get(reverse("chat:inbox")).content.decode()) == 0
    assert badge_in(browser(world.buyer).get(reverse("chat:inbox")).content.decode()) == 1
