"""Staff exports: asked in the admin (the request only enqueues), built by Huey in chunks with
progress, downloaded by their requester only, amounts in each row's currency, personal data
and finance data only to those allowed."""

import csv
import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.moderation.exports import services as exports
from shop.moderation.models import Case, Export, LogEntry, Report
from shop.moderation.services.roles import FINANCE, MODERATORS, SUPPORT
from shop.orders.models import Checkout, Order
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.services import Line
from shop.payments.models import Payout
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/moderation/export/add/"
ORDER_COLUMNS = [
    "number", "created_at", "status", "store_id", "store", "buyer_id", "delivery_mode", "payment_method",
    "payment_status", "items_total", "delivery_fee", "total", "fee", "currency", "delivered_at",
]
PERSONAL_COLUMNS = ["buyer_name", "buyer_email", "recipient", "phone", "address"]


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media-private"


def staff_in(role: str, *permissions: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def today_form(kind: str, fmt: str = "csv") -> dict:
    today = timezone.localdate().isoformat()
    return {"kind": kind, "format": fmt, "date_from": today, "date_to": today}


def ask(client, form, django_capture_on_commit_callbacks):
    """Post the request; run what it enqueued (Huey runs inline in tests) afterwards."""
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = client.post(ADD, form)
    assert response.status_code == 302, response.content[:500]
    export = Export.objects.latest("id")
    assert export.status == Export.Status.QUEUED and not export.file and len(enqueued) == 1
    for callback in enqueued:
        callback()
    export.refresh_from_db()
    return export


def read_csv(export: Export) -> list[dict]:
    with export.file.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def test_fifty_thousand_orders_are_built_in_the_background_with_their_amounts(
    client, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    store, kaloum = StoreFactory(), StoreFactory(currency="GNF")
    buyer = UserFactory()
    checkout = Checkout.objects.create(
        buyer=buyer, payment_method="cod", recipient="Amina Otieno", phone="+254 712 345 678",
        area_label="Kilimani, Nairobi", street="Argwings Kodhek Road", currency="KES",
    )
    orders = []
    for n in range(50_000):
        gnf = n % 5 == 0
        total = Decimal(25_000 + n) if gnf else Decimal(f"{1500 + n % 997}.{n % 100:02d}")
        orders.append(
            Order(
                checkout=checkout, store=kaloum if gnf else store, buyer=buyer, number=f"SK-T{n:06d}",
                items_total=total, total=total, currency="GNF" if gnf else "KES",
            )
        )
    Order.objects.bulk_create(orders, batch_size=5000)
    # One order from before the days asked: left out.
    old = OrderFactory()
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    built = time.monotonic()

    support = staff_in(SUPPORT)
    client.force_login(support)
    asked = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = client.post(ADD, today_form("orders"))
    answered = time.monotonic() - asked
    assert response.status_code == 302 and response.url == "/admin/moderation/export/"
    # The request only records and enqueues: nothing counted, nothing written yet.
    export = Export.objects.get()
    assert (export.status, export.rows_done, export.rows_total, export.file.name) == ("queued", 0, 0, "")
    assert export.personal_data is False and len(enqueued) == 1
    assert LogEntry.objects.filter(action=LogEntry.Action.EXPORT, target_id=export.pk, actor=support).count() == 1

    listing = client.get("/admin/moderation/export/").content.decode()
    assert f'data-export="{export.pk}" data-state="queued"' in listing

    enqueued[0]()  # Huey runs the build inline in tests
    export.refresh_from_db()
    ran = time.monotonic()
    assert (export.status, export.rows_done, export.rows_total) == ("done", 50_000, 50_000), export.error
    assert export.finished_at is not None

    rows = read_csv(export)
    assert list(rows[0]) == ORDER_COLUMNS
    assert len(rows) == 50_000
    expected = {number: (total, currency) for number, total, currency in Order.objects.values_list("number", "total", "currency")}
    for row in rows:
        total, currency = expected[row["number"]]
        assert row["currency"] == currency
        assert Decimal(row["total"]) == total
        # In the currency's own places: cents for KES, none for GNF.
        assert len(row["total"].partition(".")[2]) == (0 if currency == "GNF" else 2), row["total"]
    assert old.number not in {row["number"] for row in rows}
    first = next(row for row in rows if row["number"] == "SK-T000001")
    assert (first["total"], first["currency"], first["store"]) == ("1501.01", "KES", store.name)
    assert next(row for row in rows if row["number"] == "SK-T000005")["total"] == "25005"

    # The list links the file; the download streams it to the requester.
    listing = client.get("/admin/moderation/export/").content.decode()
    link = f"/admin/moderation/export/{export.pk}/download/"
    assert link in listing
    download = client.get(link)
    assert download.status_code == 200 and download.streaming
    assert download["Content-Type"] == "text/csv" and "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content).decode("utf-8-sig").count("\n") == 50_001
    print(
        f"\n50,000 orders: created in {built - started:.1f} s, asked in {answered:.2f} s, "
        f"built in {ran - asked:.1f} s, checked in {time.monotonic() - ran:.1f} s"
    )


def test_progress_is_counted_after_every_chunk(client, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "CHUNK", 3)
    for _ in range(7):
        OrderFactory(handover=False, items=0)
    client.force_login(staff_in(SUPPORT))
    with CaptureQueriesContext(connection) as queries:
        export = ask(client, today_form("orders"), django_capture_on_commit_callbacks)
    progress = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "moderation_export"') and "rows_done" in q["sql"]]
    # running (0 of 7), 3, 6, then done (7).
    assert len(progress) == 4
    assert (export.status, export.rows_done, export.rows_total) == ("done", 7, 7)
    page = client.get(f"/admin/moderation/export/{export.pk}/change/").content.decode()
    assert f'href="/admin/moderation/export/{export.pk}/download/"' in page and 'value="7" max="7"' in page
    answer = client.get(f"/admin/moderation/export/progress/?id={export.pk}&id=x&id=99999999999999999999").json()
    assert answer == {"exports": [{"id": export.pk, "status": "done", "rows_done": 7, "rows_total": 7, "label": "Ready"}]}


def test_personal_data_only_for_those_granted_it(client, django_capture_on_commit_callbacks):
    order = OrderFactory(handover=False)
    support = staff_in(SUPPORT)
    client.force_login(support)
    plain = ask(client, today_form("orders"), django_capture_on_commit_callbacks)
    (row,) = read_csv(plain)
    assert plain.personal_data is False and list(row) == ORDER_COLUMNS
    assert order.buyer.email not in plain.file.open("rb").read().decode("utf-8-sig")

    granted = staff_in(SUPPORT, "moderation.export_personal")
    client.force_login(granted)
    personal = ask(client, today_form("orders"), django_capture_on_commit_callbacks)
    (row,) = read_csv(personal)
    assert personal.personal_data is True and set(PERSONAL_COLUMNS) <= set(row)
    assert (row["buyer_email"], row["recipient"], row["phone"]) == (order.buyer.email, "Amina Otieno", "+254 712 345 678")
    assert row["address"] == "Argwings Kodhek Road, house 12, Kilimani, Nairobi"
    assert LogEntry.objects.get(target_id=personal.pk, action="export").after["personal_data"] is True

    # Someone else cannot download it, nor can its requester once the grant is withdrawn.
    client.force_login(support)
    assert client.get(f"/admin/moderation/export/{personal.pk}/download/").status_code == 403
    granted.user_permissions.clear()
    client.force_login(granted)
    assert client.get(f"/admin/moderation/export/{personal.pk}/download/").status_code == 403
    # Staff only see their own exports listed.
    client.force_login(support)
    listing = client.get("/admin/moderation/export/").content.decode()
    assert f'data-export="{plain.pk}"' in listing and f'data-export="{personal.pk}"' not in listing


def test_the_ledger_and_payouts_for_finance_only(client, django_capture_on_commit_callbacks):
    order = OrderFactory(handover=False)
    ledger.post(
        kind="capture", key="cap-1", order=order,
        lines=[Line("provider:mpesa", "KES", 150050), Line(accounts.FEES, "KES", -150050)],
    )
    ledger.post(kind="capture", key="cap-2", lines=[Line("provider:mpesa", "GNF", 25000), Line(accounts.FEES, "GNF", -25000)])
    Payout.objects.create(store=order.store, order=order, provider="mpesa", amount_minor=123456, currency="KES")

    moderator = staff_in(MODERATORS)
    client.force_login(moderator)
    assert client.post(ADD, today_form("ledger")).status_code == 403

    finance = staff_in(FINANCE)
    client.force_login(finance)
    entries = ask(client, today_form("ledger"), django_capture_on_commit_callbacks)
    rows = read_csv(entries)
    assert list(rows[0]) == ["id", "created_at", "transaction", "kind", "account", "store_id", "order", "amount", "currency", "memo"]
    assert [(row["transaction"], row["account"], row["amount"], row["currency"]) for row in rows] == [
        ("cap-1", "provider:mpesa", "1500.50", "KES"),
        ("cap-1", accounts.FEES, "-1500.50", "KES"),
        ("cap-2", "provider:mpesa", "25000", "GNF"),
        ("cap-2", accounts.FEES, "-25000", "GNF"),
    ]
    assert rows[0]["order"] == order.number

    payouts = ask(client, today_form("payouts"), django_capture_on_commit_callbacks)
    (row,) = read_csv(payouts)
    assert (row["amount"], row["currency"], row["order"]) == ("1234.56", "KES", order.number)

    # A moderator who learns the download address still gets nothing.
    client.force_login(moderator)
    assert client.get(f"/admin/moderation/export/{entries.pk}/download/").status_code == 403
    client.force_login(finance)
    assert client.get(f"/admin/moderation/export/{entries.pk}/download/").status_code == 200


def test_excel_reads_back_with_its_header_and_numbers(client, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    order = OrderFactory(handover=False)
    client.force_login(staff_in(SUPPORT))
    export = ask(client, today_form("orders", "xlsx"), django_capture_on_commit_callbacks)
    assert export.status == "done", export.error
    download = client.get(f"/admin/moderation/export/{export.pk}/download/")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    header, values = list(sheet.iter_rows(values_only=True))
    assert list(header) == ORDER_COLUMNS
    row = dict(zip(header, values, strict=True))
    assert row["number"] == order.number and Decimal(str(row["total"])) == order.total == Decimal("500.00")
    assert row["currency"] == "KES"


@pytest.mark.parametrize("kind", ["users", "reports", "products"])
def test_the_other_kinds_build_for_the_roles_that_read_them(kind, client, django_capture_on_commit_callbacks):
    reporter = UserFactory(display_name="=HYPERLINK(\"http://x\")")
    product = ProductFactory(title="@SUM(A1)")
    case = Case.objects.create(
        target_type=ContentType.objects.get_for_model(product), target_id=product.pk, target_label=product.title
    )
    Report.objects.create(case=case, reporter=reporter, reason="scam", text="-2+3 fake")
    client.force_login(staff_in(MODERATORS, "moderation.export_personal"))
    export = ask(client, today_form(kind), django_capture_on_commit_callbacks)
    assert export.status == "done", export.error
    rows = read_csv(export)
    assert rows and export.rows_done == len(rows)
    text = export.file.open("rb").read().decode("utf-8-sig")
    # What people typed never reaches a spreadsheet as a formula.
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "") and ",@SUM" not in text
    if kind == "reports":
        (row,) = rows
        assert (row["target_kind"], row["target_id"], row["text"]) == ("catalog.product", str(product.pk), "'-2+3 fake")
        assert row["reporter_email"] == reporter.email
    if kind == "users":
        assert reporter.email in {row["email"] for row in rows}


def test_bad_requests_are_refused_with_a_reason(client):
    client.force_login(staff_in(SUPPORT))
    today = timezone.localdate()
    for form in (
        {**today_form("orders"), "date_from": (today + timedelta(days=1)).isoformat()},
        {**today_form("orders"), "date_from": "1900-01-01"},
        {**today_form("orders"), "date_to": "9999-12-31"},
        {**today_form("orders"), "format": "pdf"},
        {**today_form("nothing")},
    ):
        response = client.post(ADD, form)
        assert response.status_code == 200 and b"errornote" in response.content, form
    assert not Export.objects.exists()
    for path in ("/admin/moderation/export/99999999999999999999999/download/", "/admin/moderation/export/0/download/"):
        assert client.get(path).status_code == 404


def test_strangers_and_shoppers_reach_nothing(client):
    export = Export.objects.create(
        requested_by=UserFactory(is_staff=True, is_superuser=True), kind="orders", date_from=timezone.localdate(),
        date_to=timezone.localdate(),
    )
    for path in (ADD, "/admin/moderation/export/", f"/admin/moderation/export/{export.pk}/download/", "/admin/moderation/export/progress/"):
        assert client.get(path).status_code == 302
        client.force_login(UserFactory())
        assert client.get(path).status_code == 302
        client.logout()
    # Not ready yet: nothing to download, even for its requester.
    client.force_login(export.requested_by)
    assert client.get(f"/admin/moderation/export/{export.pk}/download/").status_code == 404
