"""A return's forms keep what was typed when they are refused: the buyer's request (the
window closed while they wrote it) and request to escalate, the store's approval
instructions and rejection reason refused by the service (a teammate answered meanwhile),
and its inspection note (too long, or a dispute refused) come back in the page (422) as
written, with why — never a redirect above an empty form, and never a refund that silently
drops the note."""

from datetime import timedelta

import pytest
from django.utils import timezone

from returns.models import ReturnRequest, ReturnStatus
from returns.services import WINDOW_CLOSED, return_approve, return_reject
from shop.orders.models import Order
from tests.html import dom

from .conftest import member
from .test_inspection import received_return
from .test_pages import ask

pytestmark = pytest.mark.django_db
S = ReturnStatus


def refused_page(response):
    assert response.status_code == 422 and dom(response).has("html")
    return dom(response)


def test_an_escalation_over_the_limit_comes_back_as_written(client, cash_order):
    ret = ask(cash_order)
    return_reject(request=ret, actor=member(cash_order), reason="Used")
    client.force_login(cash_order.buyer)
    text = "The box was sealed when it came. " * 40

    form = refused_page(client.post(f"/returns/{ret.pk}/escalate/", {"text": text})).one("form[data-testid=escalate-form]")

    assert "at most 1000 characters" in form.one("[data-testid=form-refused]").text
    assert form.one("textarea[name=text]").tag.get_text() == text
    assert ReturnRequest.objects.get().status == S.REJECTED


def test_a_request_sent_after_the_window_closed_keeps_what_the_buyer_wrote(client, cash_order):
    client.force_login(cash_order.buyer)
    assert client.get(f"/returns/new/{cash_order.number}/").status_code == 200
    days = cash_order.store.return_window_days
    Order.objects.filter(pk=cash_order.pk).update(delivered_at=timezone.now() - timedelta(days=days, minutes=1))
    item = cash_order.items.order_by("id").first()

    page = refused_page(
        client.post(
            f"/returns/new/{cash_order.number}/",
            {"reason": "damaged", "text": "The handle came off on the first day", f"qty-{item.pk}": "1"},
        )
    )

    assert page.one("[data-testid=return-error]").text == WINDOW_CLOSED
    assert page.one("textarea[name=text]").text == "The handle came off on the first day"
    assert not ReturnRequest.objects.exists()


def test_instructions_refused_because_a_teammate_answered_meanwhile_are_kept(client, cash_order):
    ret = ask(cash_order)
    client.force_login(member(cash_order))
    return_approve(request=ret, actor=member(cash_order), method="drop_off")

    page = refused_page(
        client.post(f"/dashboard/returns/{ret.pk}/approve/", {"method": "drop_off", "payer": "seller", "instructions": "Bring it Monday, 9 to 5"})
    )

    form = page.one("form[data-testid=approve-form]")
    assert form.one("[data-testid=form-refused]").text
    assert form.one("textarea[name=instructions]").text == "Bring it Monday, 9 to 5"


def test_a_rejection_refused_keeps_the_reason(client, cash_order):
    ret = ask(cash_order)
    client.force_login(member(cash_order))
    return_approve(request=ret, actor=member(cash_order), method="drop_off")

    page = refused_page(client.post(f"/dashboard/returns/{ret.pk}/reject/", {"reason": "Worn, with stains on the collar"}))

    form = page.one("form[data-testid=reject-form]")
    assert form.one("[data-testid=form-refused]").text
    assert form.one("textarea[name=reason]").text == "Worn, with stains on the collar"
    assert ReturnRequest.objects.get().status == S.APPROVED


def test_a_dispute_without_a_note_is_refused_on_the_page_with_the_ticks_kept(client, cash_order):
    ret = received_return(cash_order)
    client.force_login(member(cash_order))

    page = refused_page(client.post(f"/dashboard/returns/{ret.pk}/dispute/", {"note": " ", "resellable": "on"}))

    form = page.one("form[data-testid=inspect-form]")
    assert "Say what is wrong" in form.one("[data-testid=form-refused]").text
    assert form.one("input[name=resellable]").attr("checked") is not None
    assert ReturnRequest.objects.get().status == S.RECEIVED


def test_an_inspection_note_over_the_limit_is_refused_not_dropped(client, cash_order):
    ret = received_return(cash_order)
    client.force_login(member(cash_order))
    note = "Unworn, tags on, in its box. " * 40

    page = refused_page(client.post(f"/dashboard/returns/{ret.pk}/accept/", {"note": note}))

    form = page.one("form[data-testid=inspect-form]")
    assert "1000" in form.one("[data-testid=form-refused]").text
    assert form.one("textarea[name=note]").tag.get_text() == note
    ret.refresh_from_db()
    assert ret.status == S.RECEIVED and ret.refund is None
