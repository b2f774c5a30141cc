"""The returns pages: the order page's box, the request form (without JavaScript), the
buyer's list and return page, the store's queue and return page; 404 for anyone else,
by direct POST too; query counts that do not grow with the number of returns."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns.models import ReturnRequest, ReturnStatus
from returns.services import return_approve, return_reject, return_request_create
from tests.factories import UserFactory

from .conftest import delivered_order, member

pytestmark = pytest.mark.django_db
S = ReturnStatus


def ask(order, n=1):
    item = order.items.order_by("id").first()
    return return_request_create(order=order, buyer=order.buyer, lines={item.pk: n}, reason="damaged", text="Cracked")


def test_the_order_page_offers_returns_and_the_form_sends_one_without_javascript(client, cash_order):
    client.force_login(cash_order.buyer)
    page = client.get(f"/orders/{cash_order.number}/").content.decode()
    assert 'data-testid="return-items"' in page
    form = client.get(f"/returns/new/{cash_order.number}/")
    assert form.status_code == 200 and 'data-testid="return-line"' in form.content.decode()
    first, second = cash_order.items.order_by("id")
    refused = client.post(
        f"/returns/new/{cash_order.number}/", {f"qty-{first.pk}": "5", f"qty-{second.pk}": "0", "reason": "damaged"}
    )
    assert refused.status_code == 422 and "at most 2" in refused.content.decode()
    sent = client.post(
        f"/returns/new/{cash_order.number}/",
        {f"qty-{first.pk}": "2", f"qty-{second.pk}": "1", "reason": "not_as_described", "text": "Faded"},
    )
    ret = ReturnRequest.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/returns/{ret.pk}/"
    assert {line.item_id: line.quantity for line in ret.lines.all()} == {first.pk: 2, second.pk: 1}
    detail = client.get(f"/returns/{ret.pk}/").content.decode()
    assert 'data-testid="return-timeline"' in detail and "Faded" in detail
    assert f'id="return-{ret.pk}-row"' in client.get("/returns/").content.decode()
    assert 'data-testid="order-return-link"' in client.get(f"/orders/{cash_order.number}/").content.decode()


def test_others_get_404_by_page_and_by_direct_post(client, cash_order):
    ret = ask(cash_order)
    client.force_login(UserFactory())
    item = cash_order.items.order_by("id").first()
    assert client.get(f"/returns/new/{cash_order.number}/").status_code == 404
    assert (
        client.post(f"/returns/new/{cash_order.number}/", {f"qty-{item.pk}": "1", "reason": "damaged"}).status_code
        == 404
    )
    assert client.get(f"/returns/{ret.pk}/").status_code == 404
    assert client.post(f"/returns/{ret.pk}/escalate/").status_code == 404
    assert client.post(f"/returns/{ret.pk}/cancel/").status_code == 404
    assert client.get(f"/dashboard/returns/{ret.pk}/").status_code in (403, 404)
    seller = UserFactory()
    other = delivered_order(method="cod")
    other.store.memberships.create(user=seller, role="owner")
    client.force_login(seller)
    assert client.get(f"/dashboard/returns/{ret.pk}/").status_code == 404
    assert client.post(f"/dashboard/returns/{ret.pk}/approve/", {"method": "drop_off"}).status_code == 404
    assert ReturnRequest.objects.get().status == S.REQUESTED


def test_the_store_approves_and_rejects_from_its_page(client, cash_order):
    ret = ask(cash_order)
    client.force_login(member(cash_order))
    page = client.get(f"/dashboard/returns/{ret.pk}/").content.decode()
    assert 'data-testid="approve-form"' in page and 'data-testid="reject-form"' in page
    assert client.post(f"/dashboard/returns/{ret.pk}/reject/", {"reason": ""}).status_code == 422
    client.post(f"/dashboard/returns/{ret.pk}/approve/", {"method": "drop_off", "instructions": "Monday"})
    ret.refresh_from_db()
    assert ret.status == S.APPROVED and ret.instructions == "Monday"
    client.post(f"/dashboard/returns/{ret.pk}/receive/")
    ret.refresh_from_db()
    assert ret.status == S.RECEIVED and ret.refund is None
    page = client.get(f"/dashboard/returns/{ret.pk}/").content.decode()
    assert 'data-testid="inspect-form"' in page and 'data-testid="dispute"' in page
    client.post(f"/dashboard/returns/{ret.pk}/accept/", {"resellable": "on", "note": "Fine"})
    ret.refresh_from_db()
    assert ret.status == S.REFUNDED and ret.restocked_at is not None


def test_the_product_page_says_the_return_policy(client, cash_order):
    product = cash_order.items.first().variant.product
    assert "Returns accepted within 30 days of delivery" in client.get(f"/p/{product.slug}/").content.decode()
    product.returnable = False
    product.save(update_fields=["returnable"])
    assert "This item cannot be returned" in client.get(f"/p/{product.slug}/").content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_store_queue_reads_a_fixed_number_of_queries(client):
    order = delivered_order(method="cod", units=(5, 5))
    store, seller = order.store, member(order)
    client.force_login(seller)

    def returns(n):
        for _ in range(n):
            o = delivered_order(method="cod", units=(5, 5), store=store)
            ret = ask(o)
            if _ % 2:
                return_approve(request=ret, actor=seller, method="drop_off")
            else:
                return_reject(request=ret, actor=seller, reason="No")

    returns(5)
    client.get("/dashboard/returns/")  # the first dashboard page remembers the store in the session
    small = {status: _queries(client, f"/dashboard/returns/?status={status}") for status in ("open", "all")}
    returns(45)
    large = {status: _queries(client, f"/dashboard/returns/?status={status}") for status in ("open", "all")}
    assert small == large


def test_the_buyers_returns_pages_read_a_fixed_number_of_queries(client):
    buyer = UserFactory()
    client.force_login(buyer)
    orders = []

    def returns(n):
        for index in range(n):
            order = delivered_order(method="cod", units=(5, 5), buyer=buyer)
            ret = ask(order)
            if index % 2:
                return_approve(request=ret, actor=member(order), method="drop_off")
            orders.append((order, ret))

    returns(2)
    first_order, first_return = orders[0]
    pages = ("/returns/", f"/returns/{first_return.pk}/", f"/orders/{first_order.number}/")
    small = [_queries(client, url) for url in pages]
    returns(18)
    ask(first_order)  # a second return of the same order
    large = [_queries(client, url) for url in pages]
    assert small == large


def test_a_reason_over_the_limit_is_refused_not_sent_to_staff_without_it(client, cash_order):
    ret = ask(cash_order)
    return_reject(request=ret, actor=member(cash_order), reason="Used")
    client.force_login(cash_order.buyer)

    refused = client.post(f"/returns/{ret.pk}/escalate/", {"text": "x" * 1001}, follow=True)

    ret.refresh_from_db()
    assert ret.status == S.REJECTED
    assert "at most 1000 characters" in refused.content.decode()
    client.post(f"/returns/{ret.pk}/escalate/", {"text": "The box was sealed"})
    ret.refresh_from_db()
    assert ret.status == S.ESCALATED
