"""The moderation log: append-only (the model and the database refuse changes), every staff
action of the apps below written once, shown on the admin page of what it is about, and
read-only in the admin."""

import pytest
from django.db import DatabaseError, connection, transaction

from returns.services import return_escalate, return_reject, return_request_create
from shop.auctions.models import BiddingBlock
from shop.catalog.models import Category, Product
from shop.moderation.models import LogEntry
from shop.moderation.services.log import log_action
from shop.payments.models import PaymentFlag
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom
from tests.returns.conftest import delivered_order, member

from .waiting import payment_flag, pending_product, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def only_entry(**filters) -> LogEntry:
    entries = list(LogEntry.objects.filter(**filters))
    assert len(entries) == 1, entries
    return entries[0]


# Append-only -------------------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted():
    product = ProductFactory()
    entry = log_action(actor=None, action=LogEntry.Action.TAKEDOWN, target=product, reason="10 reporters")
    entry.reason = "nothing happened"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(reason="nothing happened")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE moderation_logentry SET reason = 'rewritten'")
    assert LogEntry.objects.get().reason == "10 reporters"


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete():
    log_action(actor=None, action=LogEntry.Action.TAKEDOWN, target=ProductFactory(), reason="10 reporters")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM moderation_logentry")
    assert LogEntry.objects.count() == 1


# Every staff action once ---------------------------------------------------------------------


def test_approving_and_rejecting_products_in_their_admin_logs_each_once(client, superuser):
    approved, rejected = pending_product(), pending_product()
    client.post("/admin/catalog/product/", {"action": "approve_products", "_selected_action": [approved.pk]})
    client.post(
        "/admin/catalog/product/",
        {"action": "reject_products", "_selected_action": [rejected.pk], "apply": "1", "reason": "Photos of another item"},
    )
    entry = only_entry(action=LogEntry.Action.PRODUCT_APPROVED)
    assert (entry.target, entry.actor, entry.before, entry.after) == (approved, superuser, {"status": "pending"}, {"status": "active"})
    entry = only_entry(action=LogEntry.Action.PRODUCT_REJECTED)
    assert (entry.target, entry.actor, entry.reason) == (rejected, superuser, "Photos of another item")
    assert LogEntry.objects.count() == 2


def test_resolving_payment_flags_in_their_admin_logs_each_once(client, superuser):
    by_action, by_form, resolved = payment_flag(), payment_flag(), payment_flag()
    PaymentFlag.objects.filter(pk=resolved.pk).update(resolution="Old", resolved_at=resolved.created_at)
    client.post("/admin/payments/paymentflag/", {"action": "resolve", "_selected_action": [by_action.pk, resolved.pk]})
    client.post(f"/admin/payments/paymentflag/{by_form.pk}/change/", {"resolution": "Refunded KES 100 by hand"})
    by_form.refresh_from_db()
    assert by_form.resolved_by == superuser and by_form.resolution == "Refunded KES 100 by hand"
    assert only_entry(target_id=by_action.pk).actor == superuser
    assert only_entry(target_id=by_form.pk).reason == "Refunded KES 100 by hand"
    assert LogEntry.objects.filter(action=LogEntry.Action.FLAG_RESOLVED).count() == 2
    # Saving the resolved flag's page again logs nothing more.
    client.post(f"/admin/payments/paymentflag/{by_form.pk}/change/", {"resolution": "Refunded KES 100 by hand"})
    assert LogEntry.objects.count() == 2


def test_deciding_an_escalated_return_logs_once(client, superuser):
    order = delivered_order(method="cod")
    item = order.items.order_by("id").first()
    ret = return_request_create(order=order, buyer=order.buyer, lines={item.pk: 1}, reason="damaged")
    ret = return_reject(request=ret, actor=member(order), reason="Worn")
    ret = return_escalate(request=ret, buyer=order.buyer, text="Never worn")
    client.post(f"/admin/returns/returnrequest/{ret.pk}/decide/", {"decision": "reject", "note": "Worn in the photos"})
    entry = only_entry(action=LogEntry.Action.RETURN_DECIDED)
    assert (entry.target, entry.actor, entry.reason) == (ret, superuser, "Worn in the photos")
    assert entry.before == {"status": "escalated"} and entry.after == {"status": "rejected", "staff_decision": "rejected"}
    assert LogEntry.objects.count() == 1


def test_lifting_a_bidding_block_logs_once_on_the_buyers_account(client, superuser):
    buyer = UserFactory()
    block = BiddingBlock.objects.create(user=buyer, reason="3 won auctions not paid.")
    for _ in range(2):  # the second time the block is lifted already
        client.post("/admin/auctions/biddingblock/", {"action": "lift_blocks", "_selected_action": [block.pk]})
    entry = only_entry(action=LogEntry.Action.BIDDING_UNBLOCKED)
    assert (entry.target, entry.actor, entry.after) == (buyer, superuser, {"blocked": False})
    assert entry.before["block_reason"] == "3 won auctions not paid."


# On the admin pages ------------------------------------------------------------------------


def test_a_change_page_shows_its_log(client, superuser):
    product = pending_product()
    client.post("/admin/catalog/product/", {"action": "approve_products", "_selected_action": [product.pk]})
    page = client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert 'data-testid="moderation-log"' in page and "Product approved" in page and superuser.email in page
    quiet = ProductFactory()
    assert "No staff or automatic action is logged" in client.get(f"/admin/catalog/product/{quiet.pk}/change/").content.decode()
    buyer = UserFactory()
    log_action(actor=None, action=LogEntry.Action.WARN, target=buyer, reason="Rude to a seller")
    page = client.get(f"/admin/accounts/user/{buyer.pk}/change/").content.decode()
    assert "Rude to a seller" in page and "Soko (automatic)" in page
    # A kind nothing is done to shows no empty log.
    category = Category.objects.first() or product.category
    assert 'data-testid="moderation-log"' not in client.get(f"/admin/catalog/category/{category.pk}/change/").content.decode()


def test_the_log_on_a_page_is_for_staff_who_may_read_it(client):
    product = ProductFactory(status=Product.Status.ACTIVE)
    log_action(actor=None, action=LogEntry.Action.TAKEDOWN, target=product, reason="10 reporters")
    url = f"/admin/catalog/product/{product.pk}/change/"
    client.force_login(staff_with("catalog.view_product", "catalog.change_product"))
    assert 'data-testid="moderation-log"' not in client.get(url).content.decode()
    client.force_login(staff_with("catalog.view_product", "moderation.view_logentry"))
    assert "10 reporters" in client.get(url).content.decode()


def test_the_log_in_the_admin_is_read_only_with_filters(client, superuser):
    product = ProductFactory()
    entry = log_action(actor=superuser, action=LogEntry.Action.PRODUCT_APPROVED, target=product, after={"status": "active"})
    log_action(actor=None, action=LogEntry.Action.TAKEDOWN, target=product, reason="10 reporters")
    listing = client.get("/admin/moderation/logentry/")
    assert listing.status_code == 200 and "Product approved" in listing.content.decode()
    assert "10 reporters" in listing.content.decode()
    assert "10 reporters" not in client.get("/admin/moderation/logentry/", {"action__exact": "product_approved"}).content.decode()
    automatic = client.get("/admin/moderation/logentry/", {"by": "soko"}).content.decode()
    assert "10 reporters" in automatic and f'/logentry/{entry.pk}/change/' not in automatic
    assert client.get("/admin/moderation/logentry/", {"by": "²"}).status_code == 200
    assert client.get("/admin/moderation/logentry/add/").status_code == 403
    page = client.get(f"/admin/moderation/logentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(f"/admin/moderation/logentry/{entry.pk}/change/", {"reason": "rewritten"})
    assert client.post(f"/admin/moderation/logentry/{entry.pk}/delete/").status_code == 403
    assert LogEntry.objects.count() == 2 and LogEntry.objects.get(pk=entry.pk).reason == ""


def test_a_logged_change_reads_in_the_fields_labels_choices_and_local_time(client, superuser, settings):
    settings.TIME_ZONE = "Africa/Nairobi"
    product = ProductFactory()
    log_action(
        actor=superuser, action=LogEntry.Action.TAKEDOWN, target=product, reason="Counterfeit",
        before={"status": "active"}, after={"status": "hidden", "updated_at": "2026-12-02T20:28:31.611523+00:00", "strike": 2},
    )
    log = dom(client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()).one("[data-testid=moderation-log]").text
    hidden = str(dict(product._meta.get_field("status").flatchoices)["hidden"])
    assert "Status: Active" in log and f"Status: {hidden}" in log, log
    assert "Updated at: " in log and "23:28" in log and "2026-12-02T20:28" not in log, log
    assert "strike: 2" in log  # a value that is no field of the target is shown as written
