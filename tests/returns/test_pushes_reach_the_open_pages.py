"""Every part a return's move pushes lands on the page its reader has open: each out-of-band
element pushed to the buyer is on the buyer's return page, and each pushed to a member of
the store is on the store's return page (by id), so both pages follow every move live.
Before, the store was pushed the buyer's part, whose id its page does not have."""

import re

import pytest
from django.urls import reverse

from returns import services as returns
from tests.html import dom

from .conftest import delivered_order, member

pytestmark = pytest.mark.django_db


def oob_ids(fragment: str) -> set[str]:
    return {element.attr("id") for element in dom(fragment).all("[hx-swap-oob][id]")}


def page_ids(client, user, url: str) -> set[str]:
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200
    return {element.attr("id") for element in dom(page).all("[id]")}


def test_each_move_of_a_return_reaches_the_buyers_and_the_stores_open_pages(client, pushes, django_capture_on_commit_callbacks):
    order = delivered_order()
    item = order.items.order_by("id").first()
    store_member = member(order)
    moves = [
        lambda ret: ret,
        lambda ret: returns.return_approve(request=ret, actor=store_member, method="drop_off"),
        lambda ret: returns.return_receive(request=ret, actor=store_member),
    ]
    ret = None
    for move in moves:
        pushes.clear()
        with django_capture_on_commit_callbacks(execute=True):
            ret = move(ret) if ret else returns.return_request_create(
                order=order, buyer=order.buyer, lines={item.pk: 1}, reason="damaged"
            )
        sent = {}
        for group, fragment in pushes:
            sent.setdefault(group, set()).update(oob_ids(fragment))
        buyer_page = page_ids(client, order.buyer, reverse("returns:detail", args=[ret.pk]))
        store_page = page_ids(client, store_member, reverse("sellers:return_detail", args=[ret.pk]))

        assert f"store-return-{ret.pk}-live" in sent.get(f"user.{store_member.pk}", set()), ret.status
        assert sent.get(f"user.{order.buyer.pk}"), ret.status
        for group, ids in sent.items():
            page = buyer_page if group == f"user.{order.buyer.pk}" else store_page
            live = {name for name in ids if re.match(r"(store-)?return-\d+-live$", name)}
            assert live <= page, f"{group} was pushed {sorted(live - page)}, not on its page ({ret.status})"
