"""Account actions: warn, suspend, deactivate, reinstate; what each means on every page,
in every service and on every socket; appeals; the staff pages and their permission."""

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from sellers.models import StoreMember
from shop.accounts.models import Standing
from shop.accounts.selectors.standing import AccountRestricted
from shop.auctions.models import Auction, BiddingBlock, ProxyBid
from shop.auctions.services import bid_place
from shop.catalog.models import Product
from shop.moderation.accounts.services import (
    AccountActionError,
    AppealError,
    account_act,
    appeal_file,
    suspensions_expire,
)
from shop.moderation.models import AccountAction, Appeal, LogEntry, Takedown
from shop.notifications.models import Notification
from shop.orders.models import Checkout
from tests.checkout.conftest import basket, buyer, cart, crafts, kikoi, weavers  # noqa: F401
from tests.checkout.test_page import place
from tests.factories import PASSWORD, StoreFactory, UserFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world
from tests.html import dom
from tests.notifications.test_consumers import SOKO_ORIGIN, application, session_cookie  # noqa: F401

pytestmark = pytest.mark.django_db

K = AccountAction.Kind
NOTICE = "/account/standing/"


def staff_member(*, can_act=True):
    person = UserFactory(is_staff=True)
    codenames = ["view_user", "change_user", "view_appeal", "view_accountaction", "view_logentry"]
    if can_act:
        codenames.append("act_on_account")
    person.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return person


def logged(user, action) -> int:
    return LogEntry.objects.filter(target_id=user.pk, target_type__model="user", action=action).count()


def later(days=3):
    return timezone.now() + timedelta(days=days)


# --- Each action: logged once, shown to the person ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "until", "log_action", "standing"),
    [
        (K.WARN, None, LogEntry.Action.WARN, Standing.GOOD),
        (K.SUSPEND, "later", LogEntry.Action.SUSPEND, Standing.SUSPENDED),
        (K.DEACTIVATE, None, LogEntry.Action.DEACTIVATE, Standing.DEACTIVATED),
    ],
)
def test_each_action_is_logged_once_and_shown_to_the_person(client, kind, until, log_action, standing):
    person, staff = UserFactory(), staff_member()

    account_act(user=person, kind=kind, reason="Rude messages to sellers", actor=staff, until=later() if until else None)

    person.refresh_from_db()
    assert person.standing == standing
    assert logged(person, log_action) == 1
    assert AccountAction.objects.filter(user=person, kind=kind, created_by=staff).count() == 1
    notification = Notification.objects.get(user=person, kind="moderation")
    assert "Rude messages to sellers" in notification.text and notification.url == NOTICE
    client.force_login(person)
    page = client.get(NOTICE)
    assert page.status_code == 200
    assert "Rude messages to sellers" in page.content.decode()
    assert AccountAction.objects.get(user=person).seen_at is not None


def test_reinstating_is_logged_once_and_told(client):
    person, staff = UserFactory(), staff_member()
    account_act(user=person, kind=K.SUSPEND, reason="Spam", actor=staff, until=later())

    account_act(user=person, kind=K.REINSTATE, reason="Cleared after review", actor=staff)

    person.refresh_from_db()
    assert person.standing == Standing.GOOD and not person.is_restricted
    assert logged(person, LogEntry.Action.REINSTATE) == 1
    assert Notification.objects.filter(user=person, text__contains="Cleared after review").count() == 1


def test_an_action_needs_a_reason_and_a_suspension_an_end_ahead():
    person = UserFactory()
    with pytest.raises(AccountActionError):
        account_act(user=person, kind=K.WARN, reason="  ")
    with pytest.raises(AccountActionError):
        account_act(user=person, kind=K.SUSPEND, reason="Spam", until=timezone.now() - timedelta(minutes=1))
    assert not LogEntry.objects.exists() and not AccountAction.objects.exists()


# --- Deactivation: signed out, then only the notice ------------------------------------------


def test_deactivation_ends_every_session_and_then_only_the_notice_and_appeal_are_reachable():
    person = UserFactory(email="kibet@example.test")
    phone, laptop = Client(), Client()
    phone.force_login(person)
    laptop.force_login(person)
    assert phone.get("/orders/").status_code == 200

    account_act(user=person, kind=K.DEACTIVATE, reason="Sold counterfeit phones", actor=staff_member())

    for browser in (phone, laptop):
        response = browser.get("/orders/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    # Signing in again works, but leads only to the notice.
    assert phone.login(username="kibet@example.test", password=PASSWORD)
    for path in ("/orders/", "/", "/cart/", "/dashboard/", "/messages/", "/admin/", "/accounts/profile/"):
        response = phone.get(path)
        assert response.status_code == 302 and response["Location"] == NOTICE, path
    htmx = phone.get("/notifications/count/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == NOTICE
    notice = phone.get(NOTICE)
    page = notice.content.decode()
    assert notice.status_code == 200
    assert "Sold counterfeit phones" in page
    assert dom(page).one("[data-testid=standing-notice]").attr("data-standing") == "deactivated"
    assert dom(page).has("form[data-testid=appeal-form]")
    assert "/ws/notifications/" not in page  # no live socket for a deactivated account
    # The appeal, the language switch and logout are open to them.
    assert phone.post(NOTICE, {"text": "These were genuine, I have receipts."}).status_code == 302
    assert Appeal.objects.filter(user=person, status=Appeal.Status.OPEN).count() == 1
    assert phone.post("/preferences/language/", {"language": "fr", "next": NOTICE}).status_code == 302
    assert phone.post("/accounts/logout/").status_code == 302
    assert phone.get("/orders/")["Location"].startswith("/accounts/login/")


def test_one_open_appeal_per_action():
    person = UserFactory()
    account_act(user=person, kind=K.DEACTIVATE, reason="Spam", actor=staff_member())
    appeal_file(user=person, text="It was not me.")

    with pytest.raises(AppealError):
        appeal_file(user=person, text="Please, again.")

    assert Appeal.objects.filter(user=person).count() == 1


def test_nothing_to_appeal_in_good_standing(client):
    person = UserFactory()
    client.force_login(person)
    with pytest.raises(AppealError):
        appeal_file(user=person, text="Why?")
    page = client.get(NOTICE).content.decode()
    assert dom(page).one("[data-testid=standing-notice]").attr("data-standing") == "good"
    assert not dom(page).has("[data-testid=appeal-form]")


# --- Suspension: may read, may not sell, bid, chat or check out -------------------------------


def suspend(person):
    account_act(user=person, kind=K.SUSPEND, reason="Abusive chat messages", actor=staff_member(), until=later())


def assert_refused_with_reason(response):
    assert response.status_code == 403
    assert "Abusive chat messages" in response.content.decode()


def test_a_suspended_buyer_cannot_check_out_and_reads_why(client, buyer, cart):  # noqa: F811
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    suspend(buyer)

    assert_refused_with_reason(place(client, page))
    assert not Checkout.objects.filter(buyer=buyer).exists()


def test_a_suspended_bidder_cannot_bid(client):
    auction, person = live_auction(), UserFactory()
    suspend(person)
    client.force_login(person)

    assert_refused_with_reason(client.post(f"/auctions/{auction.pk}/bid/", {"amount": "500"}))
    auction.refresh_from_db()
    assert auction.bid_count == 0
    person.refresh_from_db()
    with pytest.raises(AccountRestricted):
        bid_place(auction_id=auction.pk, bidder=person, amount=Decimal("500"))


def test_a_suspended_person_cannot_chat(client):
    world = chat_world()
    suspend(world.buyer)
    client.force_login(world.buyer)

    assert_refused_with_reason(client.post(f"/messages/{world.conversation.pk}/send/", {"text": "hello?"}))
    assert not world.conversation.messages.filter(text="hello?").exists()


def test_a_suspended_seller_reads_the_dashboard_but_cannot_create_a_product(client):
    owner = UserFactory()
    StoreFactory(owner=owner)
    suspend(owner)
    client.force_login(owner)

    assert client.get("/dashboard/products/").status_code == 200
    assert_refused_with_reason(client.post("/dashboard/products/new/", {"title": "Fake"}))
    assert not Product.objects.filter(title="Fake").exists()


def test_an_htmx_refusal_sends_the_page_to_the_notice(client):
    auction, person = live_auction(), UserFactory()
    suspend(person)
    client.force_login(person)

    response = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "500"}, headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == NOTICE


def test_a_suspended_person_reads_their_orders_with_a_banner(client):
    person = UserFactory()
    suspend(person)
    client.force_login(person)

    response = client.get("/orders/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Abusive chat messages" in dom(page).one("[data-testid=standing-banner]").text


def test_a_suspension_ends_by_itself_once(client):
    person = UserFactory()
    suspend(person)
    type(person).objects.filter(pk=person.pk).update(suspended_until=timezone.now() - timedelta(seconds=1))
    person.refresh_from_db()
    assert not person.is_restricted  # the checks compare times: nothing waits for the tidy

    assert suspensions_expire() == 1
    assert suspensions_expire() == 0

    person.refresh_from_db()
    assert person.standing == Standing.GOOD
    entry = LogEntry.objects.get(target_id=person.pk, action=LogEntry.Action.REINSTATE)
    assert entry.actor is None
    client.force_login(person)
    assert not dom(client.get("/orders/")).has("[data-testid=standing-banner]")


# --- A deactivated account's listings and bids ------------------------------------------------


def test_deactivating_a_seller_hides_their_stores_listings_and_reinstating_restores_exactly():
    owner = UserFactory()
    store = StoreFactory(owner=owner)
    shown = ProductFactory(store=store, title="Shown")
    archived = ProductFactory(store=store, title="Archived", status=Product.Status.ARCHIVED)
    auction = live_auction(store=store)
    shared = StoreFactory()  # owned with someone else in good standing: stays open
    StoreMember.objects.create(store=shared, user=owner, role=StoreMember.Role.OWNER)
    elsewhere = ProductFactory(store=shared, title="Shared store's")

    account_act(user=owner, kind=K.DEACTIVATE, reason="Fraud", actor=staff_member())

    statuses = dict(Product.objects.values_list("title", "status"))
    assert statuses["Shown"] == Product.Status.HIDDEN and statuses["Archived"] == Product.Status.ARCHIVED
    assert statuses["Shared store's"] == Product.Status.ACTIVE
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    # Meanwhile staff archive one of the hidden products, and reports take another down:
    # the reinstatement leaves both as they are.
    Product.objects.filter(pk=auction.product_id).update(status=Product.Status.ARCHIVED)
    reported = ProductFactory(store=store, title="Reported")  # listed by staff meanwhile
    account_act(user=owner, kind=K.DEACTIVATE, reason="Fraud, again", actor=staff_member())  # carries the first list
    reported_hidden_by_deactivation = Product.objects.get(pk=reported.pk)
    Takedown.objects.create(
        target_type=ContentType.objects.get_for_model(Product), target_id=reported.pk, reason="Counterfeit", changes=[]
    )

    account_act(user=owner, kind=K.REINSTATE, reason="Appeal granted", actor=staff_member())

    shown.refresh_from_db(), archived.refresh_from_db(), elsewhere.refresh_from_db(), auction.refresh_from_db()
    assert shown.status == Product.Status.ACTIVE and archived.status == Product.Status.ARCHIVED
    assert auction.status == Auction.Status.LIVE
    assert Product.objects.get(pk=auction.product_id).status == Product.Status.ARCHIVED
    assert reported_hidden_by_deactivation.status == Product.Status.HIDDEN
    assert Product.objects.get(pk=reported.pk).status == Product.Status.HIDDEN
    entry = LogEntry.objects.get(target_id=owner.pk, action=LogEntry.Action.REINSTATE)
    assert {(c["model"], c["pk"]) for c in entry.after["restored"]} == {("catalog.product", shown.pk), ("auctions.auction", auction.pk)}


def test_a_deactivated_bidder_no_longer_raises_and_cannot_bid():
    auction = live_auction(start_price="100")
    leader, rival = UserFactory(), UserFactory()
    bid_place(auction_id=auction.pk, bidder=leader, amount=Decimal("1000"))
    bid_place(auction_id=auction.pk, bidder=rival, amount=Decimal("200"))
    auction.refresh_from_db()
    assert auction.leader_id == leader.pk and auction.current_price < Decimal("1000")

    account_act(user=leader, kind=K.DEACTIVATE, reason="Shill bidding", actor=staff_member())

    leader.refresh_from_db()
    proxy = ProxyBid.objects.get(auction=auction, bidder=leader)
    assert proxy.max_amount == auction.current_price
    outcome = bid_place(auction_id=auction.pk, bidder=rival, amount=auction.current_price + Decimal("50"))
    assert outcome.leading
    with pytest.raises(AccountRestricted):
        bid_place(auction_id=auction.pk, bidder=leader, amount=Decimal("5000"))
    assert LogEntry.objects.get(target_id=leader.pk, action=LogEntry.Action.DEACTIVATE).after["proxy_bids_cut"] == 1


# --- Staff pages ---------------------------------------------------------------------------------


def test_staff_act_from_the_user_page_with_a_reason(client):
    person, staff = UserFactory(), staff_member()
    BiddingBlock.objects.create(user=person, reason="Three unpaid wins")
    client.force_login(staff)

    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    for kind in ("warn", "suspend", "deactivate"):
        assert dom(html).one(f"a[data-testid=account-{kind}]").attr("href") == f"/admin/accounts/user/{person.pk}/act/{kind}/"
    assert "Three unpaid wins" in dom(html).one("[data-testid=bidding-block]").text
    form = client.get(f"/admin/accounts/user/{person.pk}/act/suspend/")
    assert form.status_code == 200
    refused = client.post(f"/admin/accounts/user/{person.pk}/act/suspend/", {"reason": "Spam"})
    assert refused.status_code == 400  # a suspension needs its end
    until = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    done = client.post(f"/admin/accounts/user/{person.pk}/act/suspend/", {"reason": "Spam", "until": until})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.standing == Standing.SUSPENDED
    assert logged(person, LogEntry.Action.SUSPEND) == 1
    html = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert dom(html).has("[data-testid=account-reinstate]") and dom(html).has("[data-testid=moderation-log]")


def test_staff_without_the_account_permission_get_403(client):
    person, staff = UserFactory(), staff_member(can_act=False)
    account_act(user=person, kind=K.DEACTIVATE, reason="Spam", actor=staff_member())
    appeal = appeal_file(user=person, text="Not me")
    client.force_login(staff)

    assert not dom(client.get(f"/admin/accounts/user/{person.pk}/change/")).has("[data-testid=account-reinstate]")
    assert client.get(f"/admin/accounts/user/{person.pk}/act/warn/").status_code == 403
    assert client.post(f"/admin/accounts/user/{person.pk}/act/reinstate/", {"reason": "x"}).status_code == 403
    assert client.post(f"/admin/moderation/appeal/{appeal.pk}/decide/grant/", {"response": "ok"}).status_code == 403
    person.refresh_from_db()
    assert person.standing == Standing.DEACTIVATED


def test_appeal_granted_reinstates_and_the_person_reads_the_response(client):
    person, staff = UserFactory(), staff_member()
    store = StoreFactory(owner=person)
    product = ProductFactory(store=store)
    account_act(user=person, kind=K.DEACTIVATE, reason="Counterfeit", actor=staff)
    appeal = appeal_file(user=person, text="I have the invoices.")
    staff_client = Client()
    staff_client.force_login(staff)
    assert dom(staff_client.get(f"/admin/moderation/appeal/{appeal.pk}/change/")).has("[data-testid=appeal-grant]")

    response = staff_client.post(f"/admin/moderation/appeal/{appeal.pk}/decide/grant/", {"response": "Invoices check out."})

    assert response.status_code == 302
    appeal.refresh_from_db(), person.refresh_from_db(), product.refresh_from_db()
    assert appeal.status == Appeal.Status.GRANTED and appeal.decided_by == staff
    assert person.standing == Standing.GOOD and product.status == Product.Status.ACTIVE
    assert logged(person, LogEntry.Action.APPEAL_DECIDED) == 1 and logged(person, LogEntry.Action.REINSTATE) == 1
    client.force_login(person)
    page = client.get(NOTICE).content.decode()
    assert "Invoices check out." in page
    assert [appeal.attr("data-status") for appeal in dom(page).all("[data-testid=standing-appeal]")] == ["granted"]
    again = staff_client.post(f"/admin/moderation/appeal/{appeal.pk}/decide/refuse/", {"response": "no"})
    assert again.status_code == 400 and logged(person, LogEntry.Action.APPEAL_DECIDED) == 1


def test_appeal_refused_keeps_the_action_and_tells_the_person(client):
    person, staff = UserFactory(), staff_member()
    suspend(person)
    appeal = appeal_file(user=person, text="Sorry.")
    client.force_login(staff)

    client.post(f"/admin/moderation/appeal/{appeal.pk}/decide/refuse/", {"response": "The messages were abusive."})

    person.refresh_from_db(), appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REFUSED and person.standing == Standing.SUSPENDED
    assert Notification.objects.filter(user=person, text__contains="The messages were abusive.").count() == 1
    assert logged(person, LogEntry.Action.APPEAL_DECIDED) == 1


# --- Sockets -------------------------------------------------------------------------------------


def connects(application, path, cookie) -> bool:  # noqa: F811
    async def attempt():
        communicator = WebsocketCommunicator(application, path, headers=[*SOKO_ORIGIN, cookie])
        connected, _ = await communicator.connect(timeout=3)
        await communicator.disconnect()
        return connected

    return async_to_sync(attempt)()


@pytest.mark.django_db(transaction=True)
def test_sockets_refuse_a_deactivated_account_even_signed_in_again(application):  # noqa: F811
    person = UserFactory()
    account_act(user=person, kind=K.DEACTIVATE, reason="Spam", actor=staff_member())
    person.refresh_from_db()
    client = Client()
    cookie = session_cookie(client, person)  # signed in after the deactivation
    assert client.get("/orders/")["Location"] == NOTICE  # the session holds: it is the account that is refused

    assert connects(application, "/ws/notifications/", cookie) is False
    assert connects(application, f"/ws/auctions/{live_auction().pk}/", cookie) is False


@pytest.mark.django_db(transaction=True)
def test_chat_sockets_refuse_a_suspended_account_but_notifications_stay(application):  # noqa: F811
    world = chat_world()
    cookie = session_cookie(Client(), world.buyer)
    assert connects(application, f"/ws/chat/{world.conversation.pk}/", cookie) is True

    suspend(world.buyer)

    assert connects(application, f"/ws/chat/{world.conversation.pk}/", cookie) is False
    assert connects(application, "/ws/notifications/", cookie) is True


@pytest.mark.django_db(transaction=True)
def test_open_sockets_close_when_the_account_is_deactivated_or_a_chat_when_suspended(application):  # noqa: F811
    from channels.db import database_sync_to_async

    from shop.notifications.consumers import CLOSE_ACCOUNT_CLOSED

    world = chat_world()
    cookie = session_cookie(Client(), world.buyer)

    async def scenario():
        chat = WebsocketCommunicator(application, f"/ws/chat/{world.conversation.pk}/", headers=[*SOKO_ORIGIN, cookie])
        bell = WebsocketCommunicator(application, "/ws/notifications/", headers=[*SOKO_ORIGIN, cookie])
        assert (await chat.connect(timeout=3))[0] and (await bell.connect(timeout=3))[0]
        await database_sync_to_async(suspend)(world.buyer)
        chat_closed = await _closed(chat)
        bell_open = await _skip_pushes_then_nothing(bell)
        await database_sync_to_async(account_act)(user=world.buyer, kind=K.DEACTIVATE, reason="Spam", actor=None)
        bell_closed = await _closed(bell)
        await chat.disconnect()
        await bell.disconnect()
        return chat_closed, bell_open, bell_closed

    chat_closed, bell_open, bell_closed = async_to_sync(scenario)()

    assert chat_closed == CLOSE_ACCOUNT_CLOSED
    assert bell_open
    assert bell_closed == CLOSE_ACCOUNT_CLOSED


async def _closed(communicator, timeout=3):
    """The close code, past any pushed fragments (the notification of the action)."""
    while True:
        message = await communicator.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message.get("code")


async def _skip_pushes_then_nothing(communicator) -> bool:
    """The socket stays open: only pushed fragments arrive, no close."""
    while not await communicator.receive_nothing(timeout=0.5):
        message = await communicator.receive_output(timeout=1)
        if message["type"] == "websocket.close":
            return False
    return True
