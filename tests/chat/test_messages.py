"""Writing in a conversation: how fast and how much one may write, who hears about a
message (bell, email digest, in their language; never when muted), reports, the store's
quick replies, product cards and pictures."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import ExifTags, Image

from shop.chat.models import TEXT_MAX, Digest, Message, QuickReply, Report
from shop.chat.selectors import conversation_for_user
from shop.chat.services import conversations as services
from shop.chat.services.conversations import (
    QUICK_REPLIES_MAX,
    conversation_read,
    digests_send,
    message_send,
    mute_set,
    presence_set,
    quick_reply_add,
    report_create,
)
from shop.media.models import PLACEHOLDER_PATH, StoredImage
from shop.notifications.models import Notification
from tests.factories import PASSWORD, StoreFactory
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world, refused
from tests.html import dom

pytestmark = pytest.mark.django_db
# The bell and the email digest follow a message's commit: these tests commit.
committed = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def media_root(settings, tmp_path):
    """Pictures land in a throwaway folder, never in the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def as_user(world, user):
    return conversation_for_user(user=user, pk=world.conversation.pk, for_writing=True)


def logged_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def say(world, user, text="Hello", **parts) -> Message:
    return message_send(conversation=world.conversation, user=user, text=text, **parts)


def flashed(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def page_refusal(response) -> tuple[str, str]:
    """A send refused without JavaScript: the whole page again (422), its reason above the
    box, and the box as written."""
    assert response.status_code == 422 and dom(response).has("html")
    page = dom(response)
    return page.one("[data-testid=chat-send-error]").text, page.one("textarea[name=text]").tag.get_text()


def send_url(world) -> str:
    return reverse("chat:send", args=[world.conversation.pk])


def bells(user) -> int:
    return Notification.objects.filter(user=user, kind="chat").count()


def texts(world) -> list[str]:
    return list(Message.objects.filter(conversation=world.conversation).order_by("seq").values_list("text", flat=True))


def jpeg_with_gps() -> bytes:
    """A phone's photo: a JPEG whose EXIF says where it was taken (Nairobi CBD)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SokoPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (1.0, 17.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (36.0, 49.0, 12.0)
    buffer = BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 40)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def message_on(page: str, message: Message):
    """The message's article on ``page`` (one, or the assertion fails)."""
    return dom(page).one(f"article#chat-msg-{message.pk}")


# --- How fast, how much ----------------------------------------------------------------


def test_thirty_first_message_within_a_minute_is_refused_until_the_minute_passes(time_machine):
    # The clock stands still: the limit counts per minute, and 31 sends on a slow machine
    # could otherwise straddle two minutes.
    time_machine.move_to(timezone.now(), tick=False)
    world = chat_world()
    limit = settings.SOKO_CHAT_MESSAGES_PER_MINUTE
    assert limit == 30
    for number in range(limit):
        say(world, world.buyer, f"Message {number}")

    error = refused(lambda: say(world, world.buyer, "One too many"), code="rate")

    assert "too fast" in str(error) and "Wait a minute" in str(error)
    assert Message.objects.filter(sender=world.buyer).count() == limit
    # The store's team writes at its own pace.
    say(world, world.staff, "Team answer")
    time_machine.move_to(timedelta(seconds=60), tick=False)
    say(world, world.buyer, "After a minute")
    assert texts(world)[-1] == "After a minute"


def test_sending_too_fast_from_the_page_shows_the_reason(settings, one_rate_window):
    settings.SOKO_CHAT_MESSAGES_PER_MINUTE = 3
    world = chat_world()
    for number in range(3):
        say(world, world.buyer, f"Message {number}")
    shopper = logged_in(world.buyer)

    fragment = shopper.post(send_url(world), {"text": "One too many"}, **HTMX)
    plain = shopper.post(send_url(world), {"text": "One too many"})

    assert fragment.status_code == 422
    body = fragment.content.decode()
    assert "You are sending messages too fast." in dom(body).one("[data-testid=chat-send-error]").text
    assert not dom(body).has("html") and "One too many" in body  # the text stays in the box
    assert page_refusal(plain) == ("You are sending messages too fast. Wait a minute, then send again.", "One too many")
    assert "One too many" not in texts(world)


def test_a_message_longer_than_two_thousand_characters_is_refused():
    world = chat_world()

    refused(lambda: say(world, world.buyer, "a" * (TEXT_MAX + 1)), code="long")
    answer = logged_in(world.buyer).post(send_url(world), {"text": "a" * (TEXT_MAX + 1)}, **HTMX)

    assert answer.status_code == 422 and dom(answer).has("[data-testid=chat-send-error]")
    # Without JavaScript too: the page again, the message in its box.
    plain = logged_in(world.buyer).post(send_url(world), {"text": "My long story " + "a" * TEXT_MAX})
    assert page_refusal(plain)[1] == "My long story " + "a" * TEXT_MAX
    assert texts(world) == []
    say(world, world.buyer, "a" * TEXT_MAX)
    assert len(texts(world)[0]) == TEXT_MAX


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_message_is_refused(text):
    world = chat_world()

    error = refused(lambda: say(world, world.buyer, text), code="empty")
    answer = logged_in(world.buyer).post(send_url(world), {"text": text})

    assert str(error) == "Write a message first."
    assert page_refusal(answer)[0] == "Write a message first."
    assert texts(world) == []


# --- The bell ----------------------------------------------------------------------------


@committed
def test_a_message_to_an_absent_store_rings_each_members_bell_once_until_they_read():
    world = chat_world()

    say(world, world.buyer, "Is it available?")
    say(world, world.buyer, "In blue?")
    say(world, world.buyer, "Hello?")

    assert (bells(world.owner), bells(world.staff), bells(world.buyer)) == (1, 1, 0)
    note = Notification.objects.get(user=world.owner)
    assert "Buyer Bea" in note.text and note.url == reverse("chat:conversation", args=[world.conversation.pk])
    # Once the store read them, the next message rings again.
    conversation_read(viewer=as_user(world, world.owner), user=world.owner)
    say(world, world.buyer, "Thanks!")
    assert (bells(world.owner), bells(world.staff), bells(world.buyer)) == (2, 2, 0)


@committed
def test_a_store_answer_rings_the_shoppers_bell_and_nobody_on_the_team():
    world = chat_world()

    say(world, world.staff, "Yes, in stock")
    say(world, world.staff, "Shall I reserve one?")

    assert (bells(world.buyer), bells(world.owner), bells(world.staff)) == (1, 0, 0)
    assert world.store.name in Notification.objects.get(user=world.buyer).text


@committed
def test_a_member_who_muted_the_conversation_gets_no_bell():
    world = chat_world()
    answer = logged_in(world.staff).post(reverse("chat:mute", args=[world.conversation.pk]), {"muted": "1"})
    assert answer.status_code == 302

    say(world, world.buyer, "Is it available?")

    assert (bells(world.owner), bells(world.staff)) == (1, 0)
    mute_set(viewer=as_user(world, world.staff), user=world.staff, muted=False)
    conversation_read(viewer=as_user(world, world.owner), user=world.owner)
    say(world, world.buyer, "Hello again")
    assert (bells(world.owner), bells(world.staff)) == (2, 1)


@committed
def test_a_member_with_the_conversation_open_gets_no_bell():
    world = chat_world()
    presence_set(conversation_id=world.conversation.pk, user_id=world.staff.pk, here=True)

    say(world, world.buyer, "Is it available?")

    assert (bells(world.owner), bells(world.staff)) == (1, 0)


# --- The email digest ---------------------------------------------------------------------


def digest_due(minutes_after=0.0):
    return timezone.now() + timedelta(minutes=settings.SOKO_CHAT_EMAIL_MINUTES + minutes_after)


@committed
def test_each_waiting_member_is_emailed_once_after_the_quiet_minutes():
    world = chat_world()
    say(world, world.buyer, "Is it available in blue?")

    assert digests_send(now=digest_due(-1)) == 0
    assert digests_send(now=digest_due(1)) == 2
    assert digests_send(now=digest_due(2)) == 0

    assert sorted(email.to[0] for email in mail.outbox) == sorted([world.owner.email, world.staff.email])
    email = mail.outbox[0]
    assert "Buyer Bea" in email.subject and "Is it available in blue?" in email.body
    assert reverse("chat:conversation", args=[world.conversation.pk]) in email.body
    assert world.buyer.email not in {email.to[0] for email in mail.outbox}


@committed
def test_no_second_digest_within_the_window_and_the_next_tells_only_what_is_new():
    world = chat_world()
    say(world, world.staff, "First answer")
    first = digest_due(1)
    assert digests_send(now=first) == 1

    say(world, world.staff, "Second answer")
    window = timedelta(minutes=settings.SOKO_CHAT_EMAIL_MINUTES)
    assert digests_send(now=first + window - timedelta(minutes=1)) == 0
    assert digests_send(now=first + window + timedelta(minutes=1)) == 1

    assert [email.to for email in mail.outbox] == [[world.buyer.email]] * 2
    assert "First answer" in mail.outbox[0].body
    assert "Second answer" in mail.outbox[1].body and "First answer" not in mail.outbox[1].body


@committed
def test_nobody_is_emailed_about_messages_read_meanwhile():
    world = chat_world()
    say(world, world.buyer, "Is it available?")

    conversation_read(viewer=as_user(world, world.staff), user=world.staff)

    assert digests_send(now=digest_due(1)) == 0
    assert mail.outbox == []
    # Reading does not hold back the email about what comes next.
    say(world, world.buyer, "Still there?")
    assert digests_send(now=digest_due(2)) == 2
    assert all("Still there?" in email.body and "Is it available?" not in email.body for email in mail.outbox)


@committed
def test_a_member_who_muted_the_conversation_gets_no_email():
    world = chat_world()
    mute_set(viewer=as_user(world, world.staff), user=world.staff, muted=True)
    say(world, world.buyer, "Is it available?")
    # Muted after a message already waited: no email about it either.
    mute_set(viewer=as_user(world, world.owner), user=world.owner, muted=True)

    assert digests_send(now=digest_due(1)) == 0
    assert mail.outbox == []


@committed
def test_the_digest_is_written_in_the_recipients_language(media_root):
    world = chat_world()
    world.buyer.language = "fr"
    world.buyer.save(update_fields=["language"])
    say(world, world.staff, "Voici la photo", upload=SimpleUploadedFile("kanga.jpg", jpeg_with_gps(), "image/jpeg"))

    assert digests_send(now=digest_due(1)) == 1

    email = mail.outbox[0]
    with translation.override("fr"):
        subject = gettext("%(site)s: new messages from %(name)s") % {
            "site": settings.SOKO_SITE_NAME,
            "name": world.store.name,
        }
        picture = gettext("Picture")
    assert picture != "Picture", "the French catalogue translates 'Picture'"
    assert email.subject == subject
    assert f"[{picture}] Voici la photo" in email.body and "[Picture]" not in email.body


# --- Reports --------------------------------------------------------------------------------


def test_a_participant_reports_a_conversation_or_a_message_once_while_open():
    world = chat_world()
    rude = say(world, world.staff, "Rude words")
    viewer = as_user(world, world.buyer)

    first = report_create(viewer=viewer, user=world.buyer, reason=Report.Reason.ABUSE, text="Insulting")
    again = report_create(viewer=viewer, user=world.buyer, reason=Report.Reason.SPAM)
    about_message = report_create(viewer=viewer, user=world.buyer, reason=Report.Reason.ABUSE, message=rude)
    about_message_again = report_create(viewer=viewer, user=world.buyer, reason=Report.Reason.ABUSE, message=rude)

    assert again.pk == first.pk and about_message_again.pk == about_message.pk and about_message.pk != first.pk
    assert Report.objects.count() == 2
    first.refresh_from_db()
    assert (first.reason, first.text, first.message_id, first.status) == ("abuse", "Insulting", None, "open")
    # Once staff dealt with it, a new report can be made.
    Report.objects.filter(pk=first.pk).update(status=Report.Status.RESOLVED)
    assert report_create(viewer=viewer, user=world.buyer, reason=Report.Reason.SPAM).pk != first.pk


def test_a_report_needs_a_known_reason_and_a_message_of_this_conversation():
    world = chat_world()
    other = chat_world()
    elsewhere = message_send(conversation=other.conversation, user=other.buyer, text="Hi")

    refused(lambda: report_create(viewer=as_user(world, world.buyer), user=world.buyer, reason="boring"), code="reason")
    refused(
        lambda: report_create(viewer=as_user(world, world.buyer), user=world.buyer, reason="spam", message=elsewhere)
    )

    assert not Report.objects.exists()


def test_reporting_from_the_page():
    world = chat_world()
    rude = say(world, world.staff, "Rude words")
    other = chat_world()
    elsewhere = message_send(conversation=other.conversation, user=other.buyer, text="Hi")
    shopper = logged_in(world.buyer)
    url = reverse("chat:report", args=[world.conversation.pk])

    sent = shopper.post(url, {"reason": "scam", "text": "Asked me to pay outside Soko", "message": rude.pk})
    wrong_reason = shopper.post(url, {"reason": "boring"})
    wrong_message = shopper.post(url, {"reason": "spam", "message": elsewhere.pk})

    assert sent.status_code == 302
    assert ("success", "Thank you: the report was sent to Soko's staff.") in flashed(sent)
    report = Report.objects.get()
    assert (report.reporter_id, report.message_id, report.reason) == (world.buyer.pk, rude.pk, "scam")
    assert report.text == "Asked me to pay outside Soko"
    assert ("error", "Choose a reason for the report.") in flashed(wrong_reason)
    assert wrong_message.status_code == 404
    assert Report.objects.count() == 1


# --- Quick replies -------------------------------------------------------------------------


def test_the_team_keeps_quick_replies_in_the_dashboard():
    world = chat_world()
    owner = logged_in(world.owner)
    url = reverse("sellers:chat_replies")
    assert url == "/dashboard/messages/replies/"

    saved = owner.post(url, {"text": "  Yes, we deliver in Nairobi.  "})

    reply = QuickReply.objects.get(store=world.store)
    assert saved.status_code == 302 and reply.text == "Yes, we deliver in Nairobi."
    assert "Yes, we deliver in Nairobi." in owner.get(url).content.decode()
    # Staff see the same replies.
    assert "Yes, we deliver in Nairobi." in logged_in(world.staff).get(url).content.decode()
    deleted = owner.post(reverse("sellers:chat_reply_delete", args=[reply.pk]))
    assert deleted.status_code == 302 and not QuickReply.objects.exists()
    assert "Yes, we deliver in Nairobi." not in owner.get(url).content.decode()


def test_a_store_keeps_at_most_thirty_quick_replies():
    world = chat_world()
    for number in range(QUICK_REPLIES_MAX):
        quick_reply_add(store=world.store, text=f"Reply {number}")

    refused(lambda: quick_reply_add(store=world.store, text="One more"), code="full")
    answer = logged_in(world.owner).post(reverse("sellers:chat_replies"), {"text": "One more"})

    assert QUICK_REPLIES_MAX == 30
    assert QuickReply.objects.filter(store=world.store).count() == 30
    assert answer.status_code == 422
    assert dom(answer).one("[data-testid=form-refused]").text == "A store can keep at most 30 quick replies."
    assert dom(answer).one("textarea[name=text]").text == "One more"
    refused(lambda: quick_reply_add(store=StoreFactory(), text="   "), code="empty")
    refused(lambda: quick_reply_add(store=StoreFactory(), text="x" * 501), code="long")


def test_a_quick_reply_over_the_limit_comes_back_as_written_with_why():
    world = chat_world()
    long_reply = "Karibu! " + "We deliver across Nairobi the same day. " * 13

    answer = logged_in(world.owner).post(reverse("sellers:chat_replies"), {"text": long_reply})

    assert len(long_reply.strip()) > 500 and answer.status_code == 422
    page = dom(answer)
    assert page.one("[data-testid=form-refused]").text == "A quick reply can be at most 500 characters."
    assert page.one("textarea#quick-reply-text").tag.get_text() == long_reply
    assert not QuickReply.objects.exists()


def test_another_stores_quick_reply_cannot_be_deleted():
    world = chat_world()
    other = chat_world()
    theirs = quick_reply_add(store=other.store, text="Their reply")

    answer = logged_in(world.owner).post(reverse("sellers:chat_reply_delete", args=[theirs.pk]))

    assert answer.status_code in (302, 404)
    assert QuickReply.objects.filter(pk=theirs.pk).exists()


def test_a_quick_reply_is_sent_without_javascript():
    world = chat_world()
    reply = quick_reply_add(store=world.store, text="Yes, it is in stock.")

    answer = logged_in(world.staff).post(send_url(world), {"text": "", "quick_reply": reply.pk})

    assert answer.status_code == 302 and flashed(answer) == []
    message = Message.objects.get(conversation=world.conversation)
    assert (message.text, message.sender_id, message.side) == ("Yes, it is in stock.", world.staff.pk, "team")


def test_a_store_cannot_send_another_stores_quick_reply_nor_can_the_shopper():
    world = chat_world()
    other = chat_world()
    theirs = quick_reply_add(store=other.store, text="Their secret answer")
    ours = quick_reply_add(store=world.store, text="Our answer")

    by_team = logged_in(world.staff).post(send_url(world), {"text": "", "quick_reply": theirs.pk}, **HTMX)
    by_shopper = logged_in(world.buyer).post(send_url(world), {"text": "", "quick_reply": ours.pk})

    assert by_team.status_code == 422 and "Write a message first." in by_team.content.decode()
    assert "Their secret answer" not in by_team.content.decode()
    assert page_refusal(by_shopper)[0] == "Write a message first."
    assert texts(world) == []


# --- Product cards -------------------------------------------------------------------------


def test_only_the_team_shares_product_cards_and_only_its_own_products():
    world = chat_world()
    elsewhere = ProductFactory(store=StoreFactory(), title="Someone else's mat")

    shared = logged_in(world.staff).post(send_url(world), {"product": world.product.pk})
    foreign = logged_in(world.staff).post(send_url(world), {"product": elsewhere.pk})
    by_shopper = logged_in(world.buyer).post(send_url(world), {"product": world.product.pk})

    card = Message.objects.get(conversation=world.conversation)
    assert shared.status_code == 302 and (card.kind, card.product_id, card.side) == (
        "product",
        world.product.pk,
        "team",
    )
    assert page_refusal(foreign)[0] == "This product cannot be shared."
    assert page_refusal(by_shopper)[0] == "Only the store shares product cards."
    refused(lambda: say(world, world.staff, "", product=elsewhere))
    refused(lambda: say(world, world.buyer, "", product=world.product))
    assert Message.objects.filter(conversation=world.conversation).count() == 1
    page = logged_in(world.buyer).get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert "Blue kanga" in message_on(page, card).one("[data-testid=chat-product-card]").text


# --- Pictures ------------------------------------------------------------------------------


def test_a_photo_is_sent_through_the_picture_pipeline_and_shown_without_its_metadata(
    media_root, django_capture_on_commit_callbacks, monkeypatch
):
    world = chat_world()
    pushed = []
    monkeypatch.setattr(services, "_send_all_to", lambda sends: pushed.extend((user_id, html) for user_id, html, *_ in sends))
    shopper = logged_in(world.buyer)
    photo = SimpleUploadedFile("IMG_0042.jpg", jpeg_with_gps(), content_type="image/jpeg")

    with django_capture_on_commit_callbacks(execute=False):
        answer = shopper.post(send_url(world), {"text": "Like this one", "image": photo}, **HTMX)
    message = Message.objects.get(conversation=world.conversation)
    assert answer.status_code == 204
    assert (message.kind, message.text, message.sender_id) == ("image", "Like this one", world.buyer.pk)
    # While it is being prepared, the page shows the placeholder.
    page = shopper.get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert PLACEHOLDER_PATH in message_on(page, message).html

    with django_capture_on_commit_callbacks(execute=True):
        shopper.post(
            send_url(world), {"text": "Same again", "image": SimpleUploadedFile("a.jpg", jpeg_with_gps(), "image/jpeg")}
        )

    image = StoredImage.objects.get()
    assert image.status == StoredImage.Status.READY and image.gps_latitude is not None
    second = Message.objects.filter(conversation=world.conversation).order_by("seq").last()
    assert second.image_id == message.image_id == image.pk
    page = shopper.get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    shown = message_on(page, message)
    assert image.url(None, "jpeg") in shown.html and PLACEHOLDER_PATH not in shown.html
    assert shown.has("[data-testid=chat-picture]")
    # Pages already open get the picture once it is ready, in place of the placeholder.
    ready = [html for user_id, html in pushed if user_id == world.staff.pk and image.url(None, "jpeg") in html]
    assert ready and dom(ready[-1]).has(f"#chat-msg-{second.pk}")
    for rendition in image.renditions.values():
        for fmt in ("jpeg", "webp"):
            with default_storage.open(rendition[fmt], "rb") as served:
                picture = Image.open(served)
                picture.load()
                assert not picture.getexif(), rendition[fmt]
                assert "exif" not in picture.info
    assert image.original_name not in page


def test_a_file_that_is_not_a_picture_is_refused_with_a_clear_message(media_root):
    world = chat_world()
    shopper = logged_in(world.buyer)

    def fake():
        return SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not a picture at all", content_type="image/jpeg")

    fragment = shopper.post(send_url(world), {"text": "", "image": fake()}, **HTMX)
    plain = shopper.post(send_url(world), {"text": "", "image": fake()})

    assert fragment.status_code == 422
    assert "invoice.jpg is not a JPEG, PNG, WebP or GIF picture" in fragment.content.decode()
    assert "is not a JPEG, PNG, WebP or GIF picture" in page_refusal(plain)[0]
    assert not Message.objects.exists() and not StoredImage.objects.exists() and not Digest.objects.exists()


def test_the_database_keeps_one_open_report_of_a_whole_conversation_per_person():
    from django.db import IntegrityError, transaction

    world = chat_world()
    Report.objects.create(reporter=world.buyer, conversation=world.conversation, reason=Report.Reason.SPAM)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=world.buyer, conversation=world.conversation, reason=Report.Reason.SCAM)
    Report.objects.filter(reporter=world.buyer).update(status=Report.Status.REJECTED)
    Report.objects.create(reporter=world.buyer, conversation=world.conversation, reason=Report.Reason.SCAM)
