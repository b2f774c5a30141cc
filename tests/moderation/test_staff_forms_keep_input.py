"""A staff form that is refused keeps what staff wrote: the complaint's reply and resolve
forms come back on the complaint's page (422) as filled in with why, not as a redirect to
an empty form; a case's decision and a bulk action of the queue that decided nothing come
back with their reason or note."""

from decimal import Decimal

import pytest
from django.utils import timezone

from shop.catalog.models import Product
from shop.moderation.complaints.services import TEXT_MAX
from shop.moderation.models import Complaint, LogEntry
from shop.payments.models import Refund
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom
from tests.returns.conftest import delivered_order

from .test_complaints_admin import file, support
from .waiting import case_on, pending_product

pytestmark = pytest.mark.django_db
WORDS = "Both of you: send photos of the seams & the label"


@pytest.fixture
def complaint(client):
    client.force_login(support())
    return file(delivered_order(method="cod"))


def test_a_reply_too_long_comes_back_on_the_complaints_page_as_written(client, complaint):
    text = WORDS + "." * TEXT_MAX

    response = client.post(f"/admin/moderation/complaint/{complaint.pk}/reply/", {"text": text, "ask": "store"})

    assert response.status_code == 422
    form = dom(response).one("form[data-testid=staff-reply-form]")
    assert form.one("textarea[name=text]").text == text
    assert form.one("select[name=ask] option[selected]").attr("value") == "store"
    assert "4000" in form.text and dom(response).has("[data-testid=staff-reply-refused]")
    assert complaint.messages.count() == 1 and not LogEntry.objects.filter(action=LogEntry.Action.COMPLAINT_REPLY).exists()


def test_a_reply_the_service_refuses_keeps_the_words(client, complaint):
    Complaint.objects.filter(pk=complaint.pk).update(
        status=Complaint.Status.RESOLVED, resolution=Complaint.Resolution.NO_ACTION, resolved_at=timezone.now()
    )

    response = client.post(f"/admin/moderation/complaint/{complaint.pk}/reply/", {"text": WORDS, "ask": "buyer"})

    assert response.status_code == 422
    form = dom(response).one("form[data-testid=staff-reply-form]")
    assert "Only an unresolved complaint can wait for an answer." in form.text
    assert form.one("textarea[name=text]").text == WORDS


def test_a_refund_over_the_limit_keeps_the_outcome_note_and_the_units(client, complaint, settings):
    settings.SOKO_SUPPORT_REFUND_LIMIT = {"KES": Decimal("100")}
    first = complaint.order.items.order_by("id").first()

    response = client.post(
        f"/admin/moderation/complaint/{complaint.pk}/resolve/",
        {"resolution": "refund", "note": "Refund of the torn one, sorry", f"qty-{first.pk}": "1"},
    )

    assert response.status_code == 422
    form = dom(response).one("form[data-testid=staff-resolve-form]")
    assert "need a colleague allowed to refund more" in form.text
    assert form.one("textarea[name=note]").text == "Refund of the torn one, sorry"
    assert form.one("input[name=resolution][checked]").attr("value") == "refund"
    assert form.one(f"input[name=qty-{first.pk}]").attr("value") == "1"
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN and not Refund.objects.exists()


def test_units_that_are_not_a_whole_number_keep_the_note(client, complaint):
    first = complaint.order.items.order_by("id").first()

    response = client.post(
        f"/admin/moderation/complaint/{complaint.pk}/resolve/",
        {"resolution": "refund", "note": "One refunded", f"qty-{first.pk}": "١"},
    )

    assert response.status_code == 422
    form = dom(response).one("form[data-testid=staff-resolve-form]")
    assert "whole number" in form.text and form.one("textarea[name=note]").text == "One refunded"


def test_a_case_decision_the_service_refuses_keeps_the_reason(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    case = case_on(ProductFactory(), reporters=0)

    response = client.post(f"/admin/moderation/case/{case.pk}/decide/dismiss/", {"reason": "Checked the listing: fine"})

    assert response.status_code == 422
    page = dom(response)
    assert "No report is waiting." in page.one("[data-testid=decision-refused]").text
    assert page.one("textarea[name=reason]").text == "Checked the listing: fine"


def test_a_bulk_action_that_does_nothing_keeps_the_note(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    product = pending_product()
    Product.objects.filter(pk=product.pk).update(status=Product.Status.ACTIVE)  # approved by a colleague meanwhile

    response = client.post(
        "/admin/moderation/queue/", {"action": "reject", "rows": [f"product:{product.pk}"], "note": "Photos of another item"}
    )

    assert response.status_code == 422
    page = dom(response)
    assert "Nothing was done" in page.text
    assert page.one("textarea[name=note]").text == "Photos of another item"
