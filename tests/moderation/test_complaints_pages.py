"""The complaint pages: filing from the order pages (buyer and store) and the auction page,
the thread with pictures (plain POST and htmx), 404 for anyone else (pages and direct
POSTs), messages instead of errors for bad input, and list pages whose queries do not grow
with the number of complaints."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.auctions.models import Auction
from shop.moderation.complaints.services import complaint_file, complaint_staff_reply
from shop.moderation.models import Complaint
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.html import dom
from tests.media.pictures import picture_bytes, upload
from tests.returns.conftest import delivered_order, member

pytestmark = pytest.mark.django_db
C = Complaint


@pytest.fixture
def order(db):
    return delivered_order(method="cod")


def kinds_offered(response) -> set[str]:
    """The kinds of complaint the new-complaint form offers."""
    return {choice.attr("value") for choice in dom(response).all("select[name=kind] option, input[name=kind]")}


def file(order, text="Never arrived"):
    return complaint_file(user=order.buyer, side="buyer", kind="not_received", text=text, order=order)


def test_the_buyer_files_from_the_order_page_and_writes_in_the_thread(client, order):
    client.force_login(order.buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert dom(page).one("[data-testid=file-complaint]").attr("href") == f"/complaints/new/order/{order.number}/"
    kinds = kinds_offered(client.get(f"/complaints/new/order/{order.number}/"))
    assert "not_received" in kinds and "non_payment" not in kinds  # a buyer's kinds
    sent = client.post(
        f"/complaints/new/order/{order.number}/",
        {"kind": "not_as_described", "text": "Torn sleeve", "photos": [upload("a.jpg", picture_bytes())]},
    )
    complaint = Complaint.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/complaints/{complaint.number}/"
    thread = client.get(f"/complaints/{complaint.number}/").content.decode()
    assert "Torn sleeve" in thread and dom(thread).has("[data-testid=complaint-photos] img")
    assert dom(thread).has("form[data-testid=complaint-reply-form]")
    assert complaint.number in client.get("/complaints/").content.decode()
    link = dom(client.get(f"/orders/{order.number}/")).one("[data-testid=order-complaint-link]")
    assert link.attr("href") == f"/complaints/{complaint.number}/"

    posted = client.post(f"/complaints/{complaint.number}/post/", {"text": "Any news?"})
    assert posted.status_code == 302
    fragment = client.post(f"/complaints/{complaint.number}/post/", {"text": "Hello?"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert fragment.status_code == 200 and not dom(body).has("html") and "Hello?" in body and "Any news?" in body
    assert complaint.messages.count() == 3


def test_the_store_files_from_its_order_page_and_answers_when_asked(client, order):
    seller = member(order)
    client.force_login(seller)
    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    assert dom(page).one("[data-testid=file-complaint]").attr("href") == f"/complaints/new/order/{order.number}/"
    assert "non_payment" in kinds_offered(client.get(f"/complaints/new/order/{order.number}/"))
    complaint = file(order)
    staff = UserFactory(is_staff=True, is_superuser=True)
    complaint_staff_reply(complaint=complaint, staff=staff, text="Store, proof of delivery?", ask="store")
    listing = client.get("/dashboard/complaints/").content.decode()
    assert complaint.number in dom(listing).one("[data-testid=store-complaint-list]").text
    thread = client.get(f"/complaints/{complaint.number}/").content.decode()
    assert dom(thread).has("[data-testid=complaint-awaited]") and "Store, proof of delivery?" in thread
    client.post(f"/complaints/{complaint.number}/post/", {"text": "Signed by the buyer"})
    complaint.refresh_from_db()
    assert complaint.status == C.Status.OPEN and complaint.reply_due_at is None
    assert not dom(client.get(f"/complaints/{complaint.number}/")).has("[data-testid=complaint-awaited]")


def test_strangers_get_404_by_page_and_by_direct_post(client, order):
    complaint = file(order)
    for stranger in (UserFactory(), member(delivered_order(method="cod"))):
        client.force_login(stranger)
        assert client.get(f"/complaints/{complaint.number}/").status_code == 404
        assert client.post(f"/complaints/{complaint.number}/post/", {"text": "Hi"}).status_code == 404
        assert client.get(f"/complaints/new/order/{order.number}/").status_code == 404
        assert client.post(f"/complaints/new/order/{order.number}/", {"kind": "abuse", "text": "x"}).status_code == 404
    assert client.get("/complaints/NOPE/").status_code == 404
    assert client.get("/complaints/new/auction/999999/").status_code == 404
    assert complaint.messages.count() == 1 and Complaint.objects.count() == 1
    client.logout()
    assert client.get(f"/complaints/{complaint.number}/").status_code == 302  # to sign in


def test_bad_input_gives_messages_not_errors(client, order):
    client.force_login(order.buyer)
    url = f"/complaints/new/order/{order.number}/"
    empty = client.post(url, {"kind": "not_received", "text": "   "})
    assert empty.status_code == 422 and "This field is required" in empty.content.decode()
    wrong_kind = client.post(url, {"kind": "non_payment", "text": "x"})
    assert wrong_kind.status_code == 422
    too_many = client.post(
        url, {"kind": "abuse", "text": "x", "photos": [upload(f"{n}.jpg", picture_bytes()) for n in range(5)]}
    )
    assert too_many.status_code == 422 and "at most 4" in too_many.content.decode()
    not_image = client.post(url, {"kind": "abuse", "text": "x", "photos": [upload("a.jpg", b"%PDF-1.4 not a picture")]})
    assert not_image.status_code == 422 and dom(not_image).has("form[data-testid=complaint-form]")
    assert Complaint.objects.count() == 0
    complaint = file(order)
    again = client.post(url, {"kind": "abuse", "text": "Again"})
    assert again.status_code == 422 and "already have an open complaint" in again.content.decode()
    blank = client.post(f"/complaints/{complaint.number}/post/", {"text": ""})
    assert blank.status_code == 422 and "This field is required" in blank.content.decode()
    bad_photo = client.post(
        f"/complaints/{complaint.number}/post/", {"text": "See", "photos": [upload("b.jpg", b"nope")]}
    )
    assert bad_photo.status_code == 422 and dom(bad_photo).has("[data-testid=photo-error]")
    assert complaint.messages.count() == 1


def test_the_winner_files_from_the_auction_page(client):
    auction = live_auction()
    winner = UserFactory()
    Auction.objects.filter(pk=auction.pk).update(status=Auction.Status.ENDED, winner=winner)
    client.force_login(winner)
    page = client.get(f"/auctions/{auction.pk}/").content.decode()
    assert dom(page).has("[data-testid=auction-complaint]")
    sent = client.post(f"/complaints/new/auction/{auction.pk}/", {"kind": "not_received", "text": "Not shipped"})
    assert sent.status_code == 302 and Complaint.objects.get().auction_id == auction.pk
    client.force_login(UserFactory())
    assert not dom(client.get(f"/auctions/{auction.pk}/")).has("[data-testid=auction-complaint]")
    assert client.get(f"/complaints/new/auction/{auction.pk}/").status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_read_a_fixed_number_of_queries():
    buyer = UserFactory()
    first = delivered_order(method="cod", buyer=buyer)
    store = first.store
    file(first)
    from django.test import Client

    buyer_client, store_client = Client(), Client()
    buyer_client.force_login(buyer)
    store_client.force_login(member(first))
    _queries(store_client, "/dashboard/complaints/")  # the first dashboard visit remembers the store
    few = (_queries(buyer_client, "/complaints/"), _queries(store_client, "/dashboard/complaints/?status=all"))
    for _ in range(4):
        other = delivered_order(method="cod", buyer=buyer, store=store)
        complaint_file(user=member(other), side="store", kind="abuse", text="Rude", order=other)
        file(other)
    many = (_queries(buyer_client, "/complaints/"), _queries(store_client, "/dashboard/complaints/?status=all"))
    assert Complaint.objects.count() == 9
    assert many == few
