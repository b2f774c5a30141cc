"""Reports on anything: one open report per person and target, a rate limit, down-weighted
reporters, the automatic take-down at the trusted-weight threshold (once), staff decisions
that restore exactly what was hidden, each logged once, and the pages and admin around
them. Reports from fresh accounts and on stores and accounts: test_report_brigades.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shop.accounts.models import Standing
from shop.auctions.models import Auction
from shop.auctions.services import AuctionError, bid_place
from shop.catalog.models import Product
from shop.catalog.services.products import product_submit
from shop.chat.models import Report as ChatReport
from shop.chat.services.conversations import message_send
from shop.moderation.models import Case, LogEntry, Report, Takedown
from shop.moderation.reports.services import (
    ReportError,
    case_confirm,
    case_dismiss,
    case_reverse,
    case_take_down,
    report_file,
)
from shop.notifications.models import Notification
from shop.reviews.models import Review, ReviewReport
from shop.reviews.services import review_save
from tests.factories import StoreFactory, UserFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world
from tests.factories.orders import OrderFactory

from .reporters import TRUSTED_WEIGHT, make_trusted, trusted

pytestmark = pytest.mark.django_db


def moderator(**fields):
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="moderation", codename__in=["decide_case", "view_case", "view_report"])
    )
    return user


def reporters(n):
    """Fresh accounts: their reports reach staff and weigh nothing."""
    return [UserFactory() for _ in range(n)]


def file_all(people, target, reason="scam"):
    return [report_file(reporter=person, target=target, reason=reason, text="") for person in people]


def refused(call, code):
    with pytest.raises(ReportError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, str(caught.value))
    return caught.value


def moderation_notes(user) -> int:
    return Notification.objects.filter(user=user, kind="moderation").count()


def case_of(target) -> Case:
    return Case.objects.get(target_id=target.pk, target_type__model=target._meta.model_name)


def reviewed(stars=1):
    order = OrderFactory()
    type(order).objects.filter(pk=order.pk).update(status="delivered", delivered_at=timezone.now())
    order.refresh_from_db()
    return review_save(order=order, author=order.buyer, item=order.items.first(), stars=stars, text="Rubbish")


# --- The threshold ------------------------------------------------------------------------


def test_trusted_reporters_reaching_the_threshold_hide_a_product_once_and_staff_and_seller_hear_once(settings):
    settings.SOKO_REPORT_THRESHOLD = 5 * TRUSTED_WEIGHT
    product = ProductFactory()
    seller = product.store.memberships.get().user
    staff = moderator()
    outsider_staff = UserFactory(is_staff=True)  # no moderation permission: not told

    file_all(trusted(4, product.store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE and product.is_visible
    assert Takedown.objects.count() == 0

    file_all(trusted(1, product.store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN
    assert not Product.objects.visible().filter(pk=product.pk).exists()
    case = case_of(product)
    assert (case.open_reporters, case.trusted_weight, case.status) == (5, 5 * TRUSTED_WEIGHT, Case.Status.TAKEN_DOWN)
    takedown = Takedown.objects.get()
    assert takedown.automatic and takedown.created_by is None
    assert takedown.changes == [
        {"model": "catalog.product", "pk": product.pk, "field": "status", "before": "active", "after": "hidden"}
    ]
    assert LogEntry.objects.filter(action=LogEntry.Action.TAKEDOWN, actor=None, target_id=product.pk).count() == 1
    assert (moderation_notes(staff), moderation_notes(seller), moderation_notes(outsider_staff)) == (1, 1, 0)
    assert "5 people" in Notification.objects.get(user=seller).text

    # More reports while it is down neither take it down again nor tell anyone again.
    file_all(reporters(2), product)
    assert Takedown.objects.count() == 1
    assert (moderation_notes(staff), moderation_notes(seller)) == (1, 1)


def test_ten_reports_from_one_reporter_do_nothing():
    product = ProductFactory()
    person = UserFactory()
    report_file(reporter=person, target=product, reason="scam")
    for reason in ["spam", "scam", "counterfeit", "other", "spam", "scam", "prohibited", "offensive", "other"]:
        refused(lambda reason=reason: report_file(reporter=person, target=product, reason=reason), "again")
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert (Report.objects.count(), case_of(product).open_reporters) == (1, 1)


def test_down_weighted_reporters_reach_staff_but_do_not_count(settings):
    settings.SOKO_REPORT_REJECTED_MIN = 2
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    staff = moderator()
    product = ProductFactory()
    serial = trusted(1, product.store)[0]
    for _ in range(2):
        report_file(reporter=serial, target=ProductFactory(store=product.store), reason="spam")
    for case in Case.objects.all():
        case_dismiss(case=case, actor=staff, reason="Nothing wrong")

    report = report_file(reporter=serial, target=product, reason="scam")
    assert (report.counts, report.weight) == (False, 0)
    file_all(trusted(1, product.store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert (case_of(product).open_reporters, case_of(product).trusted_weight) == (2, TRUSTED_WEIGHT)

    file_all(trusted(1, product.store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN


def test_a_reporter_with_more_upheld_than_rejected_still_counts_and_weighs_more(settings):
    settings.SOKO_REPORT_REJECTED_MIN = 1
    settings.SOKO_REPORT_THRESHOLD = 1
    staff = moderator()
    store = StoreFactory()
    person = trusted(1, store)[0]
    upheld = [ProductFactory(store=store) for _ in range(2)]
    for product in upheld:
        report_file(reporter=person, target=product, reason="scam")  # each taken down at once
        case_confirm(case=case_of(product), actor=staff, reason="A scam indeed")
    rejected = ProductFactory(store=store)
    settings.SOKO_REPORT_THRESHOLD = 5
    report_file(reporter=person, target=rejected, reason="scam")
    case_dismiss(case=case_of(rejected), actor=staff, reason="Fine")
    report = report_file(reporter=person, target=ProductFactory(store=store), reason="scam")
    assert (report.counts, report.weight) == (True, TRUSTED_WEIGHT + 1)


def test_reports_are_rate_limited_per_hour_and_a_refused_report_gives_its_slot_back(settings, time_machine):
    settings.SOKO_REPORTS_PER_HOUR = 3
    person = UserFactory()
    first = ProductFactory()
    report_file(reporter=person, target=first, reason="spam")
    refused(lambda: report_file(reporter=person, target=first, reason="scam"), "again")  # not counted
    for product in [ProductFactory() for _ in range(2)]:
        report_file(reporter=person, target=product, reason="spam")
    error = refused(lambda: report_file(reporter=person, target=ProductFactory(), reason="spam"), "rate")
    assert "3 reports in the last hour" in str(error)
    time_machine.move_to(timedelta(hours=1), tick=False)
    report_file(reporter=person, target=ProductFactory(), reason="spam")


def test_nobody_reports_themselves_or_their_own_store_and_reasons_are_checked():
    product = ProductFactory()
    seller = product.store.memberships.get().user
    refused(lambda: report_file(reporter=seller, target=product, reason="scam"), "own")
    refused(lambda: report_file(reporter=seller, target=product.store, reason="scam"), "own")
    refused(lambda: report_file(reporter=seller, target=seller, reason="scam"), "own")
    refused(lambda: report_file(reporter=UserFactory(), target=product, reason="boring"), "reason")
    refused(lambda: report_file(reporter=UserFactory(), target=product, reason="scam", text="x" * 1001), "text")
    refused(lambda: report_file(reporter=UserFactory(), target=product.variants.first(), reason="scam"), "kind")
    assert Report.objects.count() == 0


# --- Staff decisions ----------------------------------------------------------------------


def test_staff_reversal_restores_the_status_it_had_and_keeps_what_the_seller_changed(settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    product = ProductFactory(title="Kanga")
    file_all(trusted(2, product.store), product)
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN

    # The seller edits it meanwhile: the edit is kept, the listing stays hidden.
    product.title = "Kanga, blue"
    product.save(update_fields=["title"])
    product_submit(product=product, changed_fields={"title"})
    product.refresh_from_db()
    assert (product.status, product.title) == (Product.Status.HIDDEN, "Kanga, blue")

    staff = moderator()
    case_reverse(case=case_of(product), actor=staff, reason="Genuine seller")
    product.refresh_from_db()
    assert (product.status, product.title) == (Product.Status.ACTIVE, "Kanga, blue")
    case = case_of(product)
    assert (case.status, case.open_reporters) == (Case.Status.CLOSED, 0)
    assert set(case.reports.values_list("status", flat=True)) == {Report.Status.REJECTED}
    assert Takedown.objects.get().reversed_at is not None


def test_a_reversal_leaves_alone_a_row_changed_since_the_take_down(settings):
    settings.SOKO_REPORT_THRESHOLD = 1
    product = ProductFactory()
    report_file(reporter=trusted(1, product.store)[0], target=product, reason="scam")
    Product.objects.filter(pk=product.pk).update(status=Product.Status.ARCHIVED)  # someone archived it meanwhile
    case_reverse(case=case_of(product), actor=moderator(), reason="Mistake")
    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED


def test_every_staff_decision_is_logged_once_and_reporters_see_the_outcome(settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    staff = moderator()
    store = StoreFactory()
    confirmed, reversed_, dismissed, taken = (ProductFactory(store=store) for _ in range(4))
    people = trusted(2, store)
    for target in (confirmed, reversed_):
        file_all(people, target)
    report_file(reporter=people[0], target=dismissed, reason="spam")
    report_file(reporter=people[0], target=taken, reason="counterfeit")

    case_confirm(case=case_of(confirmed), actor=staff, reason="Fake goods")
    case_reverse(case=case_of(reversed_), actor=staff, reason="Nothing wrong")
    case_dismiss(case=case_of(dismissed), actor=staff, reason="Not spam")
    case_take_down(case=case_of(taken), actor=staff, reason="Counterfeit shoes")

    by_staff = LogEntry.objects.filter(actor=staff)
    assert sorted(by_staff.values_list("action", "target_id")) == sorted(
        [
            (LogEntry.Action.TAKEDOWN_CONFIRMED, confirmed.pk),
            (LogEntry.Action.TAKEDOWN_REVERSED, reversed_.pk),
            (LogEntry.Action.REPORT_REJECTED, dismissed.pk),
            (LogEntry.Action.TAKEDOWN, taken.pk),
        ]
    )
    statuses = dict(Report.objects.filter(reporter=people[0]).values_list("case__target_id", "status"))
    assert statuses == {
        confirmed.pk: "upheld", reversed_.pk: "rejected", dismissed.pk: "rejected", taken.pk: "upheld",
    }
    taken.refresh_from_db()
    assert taken.status == Product.Status.HIDDEN
    assert case_of(taken).status == Case.Status.CONFIRMED

    # A decision that does not fit the case is refused, and logs nothing.
    refused(lambda: case_dismiss(case=case_of(confirmed), actor=staff, reason="x"), "state")
    refused(lambda: case_reverse(case=case_of(dismissed), actor=staff, reason="x"), "state")
    refused(lambda: case_take_down(case=case_of(taken), actor=staff, reason="x"), "state")
    refused(lambda: case_confirm(case=case_of(taken), actor=staff, reason=" "), "reason")
    refused(lambda: case_confirm(case=case_of(taken), actor=UserFactory(is_staff=True), reason="x"), "forbidden")
    assert by_staff.count() == 4


# --- Each kind of target ------------------------------------------------------------------


def test_a_staff_store_take_down_hides_its_listings_and_a_reversal_restores_each(settings):
    settings.SOKO_REPORT_THRESHOLD = TRUSTED_WEIGHT
    store = StoreFactory()
    live, pending, draft = ProductFactory(store=store), ProductFactory(store=store), ProductFactory(store=store)
    Product.objects.filter(pk=pending.pk).update(status=Product.Status.PENDING)
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.DRAFT)
    other = ProductFactory()
    file_all(trusted(2, store), store)
    # Reports alone never take a store down: staff do.
    assert Product.objects.get(pk=live.pk).status == Product.Status.ACTIVE
    case_take_down(case=case_of(store), actor=moderator(), reason="Selling fakes")
    assert set(Product.objects.filter(store=store).values_list("status", flat=True)) == {Product.Status.HIDDEN}
    assert Product.objects.get(pk=other.pk).status == Product.Status.ACTIVE

    case_reverse(case=case_of(store), actor=moderator(), reason="Fine")
    assert dict(Product.objects.filter(store=store).values_list("pk", "status")) == {
        live.pk: "active", pending.pk: "pending", draft.pk: "draft",
    }


def test_an_auction_take_down_hides_it_and_freezes_bids_until_reversed(settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    auction = live_auction()
    file_all(trusted(2, auction.store), auction)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    assert auction.product.status == Product.Status.HIDDEN
    with pytest.raises(AuctionError):
        bid_place(auction_id=auction.pk, bidder=UserFactory(), amount=Decimal("150"))
    assert reverse("auctions:detail", args=[auction.pk])
    assert auction.bid_count == 0

    case_reverse(case=case_of(auction), actor=moderator(), reason="Genuine")
    auction.refresh_from_db()
    assert (auction.status, auction.product.status) == (Auction.Status.LIVE, Product.Status.ACTIVE)
    bid_place(auction_id=auction.pk, bidder=UserFactory(), amount=Decimal("150"))


def test_a_review_take_down_hides_it_and_recomputes_the_rating(settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    review = reviewed(stars=1)
    product = review.product
    product.refresh_from_db()
    assert product.rating_count == 1
    file_all(trusted(2, review.store), review, reason="offensive")
    review.refresh_from_db()
    product.refresh_from_db()
    assert review.hidden_at is not None and product.rating_count == 0
    assert Notification.objects.filter(user=review.author, text__contains="hidden").count() == 1

    case_reverse(case=case_of(review), actor=moderator(), reason="Honest review")
    review.refresh_from_db()
    product.refresh_from_db()
    assert review.hidden_at is None and product.rating_count == 1


def test_a_message_take_down_hides_it_from_both_sides(settings, client):
    settings.SOKO_REPORT_THRESHOLD = 2
    world = chat_world()
    rude = message_send(conversation=world.conversation, user=world.owner, text="Pay me outside Soko")
    file_all([world.buyer], rude)
    case_take_down(case=case_of(rude), actor=moderator(), reason="Scam attempt")
    rude.refresh_from_db()
    assert rude.hidden_at is not None
    client.force_login(world.buyer)
    page = client.get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert "Pay me outside Soko" not in page and "hidden by Soko" in page

    case_reverse(case=case_of(rude), actor=moderator(), reason="Misread")
    rude.refresh_from_db()
    assert rude.hidden_at is None


def test_a_staff_user_take_down_deactivates_the_account_and_a_reversal_reinstates_it(settings):
    settings.SOKO_REPORT_THRESHOLD = 1
    world = chat_world()
    other = UserFactory()
    message_send(conversation=world.conversation, user=world.buyer, text="hi")
    file_all([make_trusted(world.owner, StoreFactory()), world.staff], world.buyer, reason="offensive")
    # Reports alone never deactivate an account: staff do.
    assert type(world.buyer).objects.get(pk=world.buyer.pk).standing == Standing.GOOD
    staff = moderator()
    case_take_down(case=case_of(world.buyer), actor=staff, reason="Abusive messages")
    buyer = type(world.buyer).objects.get(pk=world.buyer.pk)
    assert buyer.standing == Standing.DEACTIVATED
    assert LogEntry.objects.filter(action=LogEntry.Action.DEACTIVATE, target_id=buyer.pk, actor=staff).count() == 1
    assert moderation_notes(buyer) == 1

    case_reverse(case=case_of(buyer), actor=moderator(), reason="Misunderstanding")
    buyer.refresh_from_db()
    assert buyer.standing == Standing.GOOD
    assert moderation_notes(other) == 0


# --- Old reports ---------------------------------------------------------------------------


def test_old_chat_and_review_reports_become_moderation_reports():
    migration = __import__(
        "shop.moderation.migrations.0003_reports_from_chat_and_reviews", fromlist=["forwards"]
    )
    world = chat_world()
    rude = message_send(conversation=world.conversation, user=world.owner, text="rude")
    ChatReport.objects.create(reporter=world.buyer, conversation=world.conversation, message=rude, reason="abuse", text="Rude")
    ChatReport.objects.create(reporter=world.buyer, conversation=world.conversation, reason="scam")
    ChatReport.objects.create(reporter=world.owner, conversation=world.conversation, reason="spam", status="rejected")
    review = reviewed()
    ReviewReport.objects.create(review=review, reporter=world.buyer, reason="personal", text="My phone number")

    migration.forwards(apps, None)

    found = {
        (r.case.target_type.model, r.case.target_id): (r.reporter_id, r.reason, r.status, r.text)
        for r in Report.objects.select_related("case__target_type")
    }
    assert found == {
        ("message", rude.pk): (world.buyer.pk, "offensive", "open", "Rude"),
        ("store", world.store.pk): (world.buyer.pk, "scam", "open", ""),
        ("user", world.buyer.pk): (world.owner.pk, "spam", "rejected", ""),
        ("review", review.pk): (world.buyer.pk, "other", "open", "Shares personal information. My phone number"),
    }
    assert case_of(world.buyer).status == Case.Status.CLOSED
    assert case_of(rude).open_reporters == 1


# --- Pages ---------------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_log_in(client):
    product = ProductFactory()
    for url in (reverse("moderation:report", args=["product", product.pk]), reverse("moderation:reports")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("moderation:report", args=["product", product.pk]), {"reason": "scam"}).status_code == 302
    assert Report.objects.count() == 0


def test_reporting_from_the_page(client):
    product = ProductFactory(title="Odd watch")
    person = UserFactory()
    client.force_login(person)
    url = reverse("moderation:report", args=["product", product.pk])
    form = client.get(url, {"next": f"/p/{product.slug}/"})
    assert form.status_code == 200 and "Odd watch" in form.content.decode()

    no_reason = client.post(url, {"text": "hm"})
    assert no_reason.status_code == 400 and "Choose a reason." in no_reason.content.decode()
    too_long = client.post(url, {"reason": "scam", "text": "x" * 1001})
    assert too_long.status_code == 400
    sent = client.post(url, {"reason": "counterfeit", "text": "Fake logo", "next": f"/p/{product.slug}/"})
    assert sent.status_code == 302 and sent["Location"] == f"/p/{product.slug}/"
    again = client.post(url, {"reason": "scam"})
    assert again.status_code == 400 and "already reported" in again.content.decode()
    assert Report.objects.get().text == "Fake logo"
    # The next address is only ever one of this site's.
    evil = client.post(reverse("moderation:report", args=["store", product.store.pk]), {"reason": "scam", "next": "https://evil.test/"})
    assert evil["Location"] == reverse("moderation:reports")


def test_strangers_get_404_for_what_they_cannot_see(client):
    world = chat_world()
    secret = message_send(conversation=world.conversation, user=world.owner, text="secret")
    hidden = ProductFactory(status=Product.Status.DRAFT)
    stranger = UserFactory()
    client.force_login(stranger)
    for kind, pk in [
        ("message", secret.pk), ("product", hidden.pk), ("user", world.buyer.pk), ("review", 999999),
        ("nonsense", 1), ("product", 999999),
    ]:
        assert client.get(reverse("moderation:report", args=[kind, pk])).status_code == 404, kind
        assert client.post(reverse("moderation:report", args=[kind, pk]), {"reason": "scam"}).status_code == 404, kind
    client.force_login(world.buyer)
    assert client.get(reverse("moderation:report", args=["message", secret.pk])).status_code == 200
    assert client.get(reverse("moderation:report", args=["user", world.staff.pk])).status_code == 200
    own = client.post(reverse("moderation:report", args=["user", world.buyer.pk]), {"reason": "spam"})
    assert own.status_code == 400 and "cannot report yourself" in own.content.decode()


def test_my_reports_shows_each_state_in_constant_queries(client, settings):
    settings.SOKO_REPORT_THRESHOLD = 1
    settings.SOKO_REPORTS_PER_HOUR = 100
    first = ProductFactory(title="First thing")
    person = trusted(1, first.store)[0]
    client.force_login(person)
    url = reverse("moderation:reports")

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    report_file(reporter=person, target=first, reason="scam")
    few = page_queries()
    settings.SOKO_REPORT_THRESHOLD = 10
    for _ in range(4):
        report_file(reporter=person, target=StoreFactory(), reason="spam")
    case_dismiss(case=Case.objects.filter(target_type__model="store").first(), actor=moderator(), reason="Fine")
    assert page_queries() == few
    page = client.get(url).content.decode()
    assert "First thing" in page and "Hidden, waiting for staff" in page and "Rejected" in page


def test_report_links_on_pages_but_not_for_the_owner(client):
    product = ProductFactory()
    seller = product.store.memberships.get().user
    report_url = reverse("moderation:report", args=["product", product.pk])
    assert report_url in client.get(f"/p/{product.slug}/").content.decode()
    client.force_login(seller)
    assert report_url not in client.get(f"/p/{product.slug}/").content.decode()
    client.force_login(UserFactory())
    store_page = client.get(f"/s/{product.store.slug}/").content.decode()
    assert reverse("moderation:report", args=["store", product.store.pk]) in store_page


# --- Admin ---------------------------------------------------------------------------------


def test_the_case_page_shows_reports_and_the_log_and_decides_with_a_reason(client, settings):
    settings.SOKO_REPORT_THRESHOLD = 2 * TRUSTED_WEIGHT
    product = ProductFactory(title="Fake sneakers")
    file_all(trusted(2, product.store), product, reason="counterfeit")
    case = case_of(product)
    staff = moderator()
    client.force_login(staff)
    assert client.get(reverse("admin:moderation_case_changelist")).status_code == 200
    page = client.get(reverse("admin:moderation_case_change", args=[case.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Fake sneakers" in body and "Taken down" in body and "Soko (automatic)" in body
    decide = reverse("admin:moderation_case_decide", args=[case.pk, "reverse"])
    assert decide in body
    assert client.get(decide).status_code == 200
    assert client.post(decide, {"reason": ""}).status_code == 200  # asks again
    assert client.post(decide, {"reason": "A genuine brand"}).status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert LogEntry.objects.filter(action=LogEntry.Action.TAKEDOWN_REVERSED, actor=staff).count() == 1

    # Through the list's bulk action and its reason page.
    other = ProductFactory()
    file_all(reporters(1), other)
    changelist = reverse("admin:moderation_case_changelist")
    first = client.post(changelist, {"action": "take_down_cases", "_selected_action": [case_of(other).pk]})
    assert first.status_code == 200 and b"reason" in first.content
    done = client.post(changelist, {"action": "take_down_cases", "_selected_action": [case_of(other).pk], "reason": "Scam"})
    assert done.status_code == 302
    other.refresh_from_db()
    assert other.status == Product.Status.HIDDEN


def test_staff_without_the_permission_get_403_on_decisions(client):
    product = ProductFactory()
    report_file(reporter=UserFactory(), target=product, reason="scam")
    case = case_of(product)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_case"]))
    client.force_login(viewer)
    assert client.get(reverse("admin:moderation_case_change", args=[case.pk])).status_code == 200
    decide = reverse("admin:moderation_case_decide", args=[case.pk, "take_down"])
    assert client.post(decide, {"reason": "x"}).status_code == 403
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert Review.objects.count() == 0
