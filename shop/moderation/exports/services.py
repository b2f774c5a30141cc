"""Staff exports: orders, payouts, the ledger, users, reports and products for a date range,
as CSV or Excel, built in the background.

A staff member asks from the admin (``export_start``: their permission is checked, the
request is logged once in the moderation log and the build is enqueued); the Huey task
(``export_tasks``) calls ``export_build``, which walks the rows in chunks, writes them one
by one to a temporary file, counts ``rows_done`` after every chunk, and keeps the finished
file in private storage. It is downloaded only through a view that checks again
(``export_may_download``).

Columns are django-import-export resources. Amounts are plain decimals in the row's own
currency, next to a ``currency`` column ("1500.00" KES, "25000" GNF). Columns of personal
data (names, emails, phones, addresses) are written only for a requester holding
``moderation.export_personal``; the export records whether it holds any. The ledger and
payouts need ``moderation.export_finance``.
"""

import csv
import io
import logging
import re
import secrets
import tempfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.widgets import Widget

from shop.catalog.models import Product
from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.currencies import money_from_minor
from shop.core.spreadsheets import CSV_ENCODING, cell_text, money_text
from shop.orders.models import Order
from shop.payments.models import LedgerEntry, Payout

from ..models import Export, LogEntry, Report
from ..services.log import log_action

logger = logging.getLogger(__name__)

CHUNK = 2000
# The earliest day an export may start from, and how far ahead it may end.
EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=366)
PERSONAL_PERMISSION = "moderation.export_personal"
FINANCE_PERMISSION = "moderation.export_finance"


class ExportError(Exception):
    pass


def _column(attribute: str, name: str | None = None) -> Field:
    """A column read from ``attribute`` (``store__name`` follows relations) as plain text."""
    return Field(attribute=attribute, column_name=name or attribute, widget=Widget())


def _computed(name: str) -> Field:
    """A column written by the resource's ``dehydrate_<name>``."""
    return Field(column_name=name, widget=Widget())


class WhenWidget(Widget):
    """A moment as ISO 8601 in Soko's time zone, to the second; empty when there is none."""

    def render(self, value, obj=None, **kwargs):
        return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


class FlagWidget(Widget):
    """A yes/no as "1" or "0"."""

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"


def _when(attribute: str, name: str | None = None) -> Field:
    """A moment read from ``attribute``, as ISO 8601 text (``WhenWidget``)."""
    return Field(attribute=attribute, column_name=name or attribute, widget=WhenWidget())


def _flag(attribute: str) -> Field:
    """A yes/no read from ``attribute``, as "1" or "0"."""
    return Field(attribute=attribute, column_name=attribute, widget=FlagWidget())


class ExportResource(resources.ModelResource):
    """One kind of export: its rows for a date range and its columns.

    ``date_field`` picks the rows, ``personal`` names the columns of personal data and
    ``money`` the amount columns (numbers in Excel)."""

    date_field = "created_at"
    personal: frozenset[str] = frozenset()
    money: frozenset[str] = frozenset()

    def base_queryset(self):
        raise NotImplementedError

    def rows(self, date_from: date, date_to: date):
        start, end = day_bounds(date_from, date_to)
        return self.base_queryset().filter(
            **{f"{self.date_field}__gte": start, f"{self.date_field}__lt": end}
        ).order_by("pk")

    def columns(self, *, personal: bool) -> list[str]:
        """The names of the columns written, in order."""
        return [name for name in self.get_export_order() if personal or name not in self.personal]


class OrderResource(ExportResource):
    number = _column("number")
    created_at = _when("created_at")
    status = _column("status")
    store_id = _column("store_id")
    store = _column("store__name", "store")
    buyer_id = _column("buyer_id")
    buyer_name = _computed("buyer_name")
    buyer_email = _column("buyer__email", "buyer_email")
    recipient = _column("checkout__recipient", "recipient")
    phone = _column("checkout__phone", "phone")
    address = _computed("address")
    delivery_mode = _column("delivery_mode")
    payment_method = _column("checkout__payment_method", "payment_method")
    payment_status = _column("checkout__payment_status", "payment_status")
    items_total = _computed("items_total")
    delivery_fee = _computed("delivery_fee")
    total = _computed("total")
    fee = _computed("fee")
    currency = _column("currency")
    delivered_at = _when("delivered_at")

    personal = frozenset({"buyer_name", "buyer_email", "recipient", "phone", "address"})
    money = frozenset({"items_total", "delivery_fee", "total", "fee"})

    class Meta:
        model = Order
        fields = (
            "number", "created_at", "status", "store_id", "store", "buyer_id", "buyer_name", "buyer_email",
            "recipient", "phone", "address", "delivery_mode", "payment_method", "payment_status",
            "items_total", "delivery_fee", "total", "fee", "currency", "delivered_at",
        )

    def base_queryset(self):
        return Order.objects.select_related("store", "buyer", "checkout")

    def dehydrate_buyer_name(self, order):
        return order.buyer.display_name

    def dehydrate_address(self, order):
        return ", ".join(part for part in (order.checkout.street, order.checkout.area_label) if part)

    def dehydrate_items_total(self, order):
        return money_text(order.items_total, order.currency)

    def dehydrate_delivery_fee(self, order):
        return money_text(order.delivery_fee, order.currency)

    def dehydrate_total(self, order):
        return money_text(order.total, order.currency)

    def dehydrate_fee(self, order):
        return money_text(order.fee, order.currency)


class PayoutResource(ExportResource):
    id = _column("id")
    created_at = _when("created_at")
    store_id = _column("store_id")
    store = _column("store__name", "store")
    order = _computed("order")
    provider = _column("provider")
    status = _column("status")
    amount = _computed("amount")
    currency = _column("currency")
    reference = _column("reference")
    note = _column("note")

    money = frozenset({"amount"})

    class Meta:
        model = Payout
        fields = ("id", "created_at", "store_id", "store", "order", "provider", "status", "amount", "currency", "reference", "note")

    def base_queryset(self):
        return Payout.objects.select_related("store", "order")

    def dehydrate_order(self, payout):
        return payout.order.number if payout.order_id else ""

    def dehydrate_amount(self, payout):
        return str(money_from_minor(payout.amount_minor, payout.currency))


class LedgerResource(ExportResource):
    """One row per ledger entry: debits positive, credits negative, each transaction's
    entries summing to zero per currency."""

    id = _column("id")
    created_at = _when("transaction__created_at", "created_at")
    transaction = _column("transaction__key", "transaction")
    kind = _column("transaction__kind", "kind")
    account = _column("account__code", "account")
    store_id = _column("account__store_id", "store_id")
    order = _computed("order")
    amount = _computed("amount")
    currency = _column("account__currency", "currency")
    memo = _column("transaction__memo", "memo")

    date_field = "transaction__created_at"
    money = frozenset({"amount"})

    class Meta:
        model = LedgerEntry
        fields = ("id", "created_at", "transaction", "kind", "account", "store_id", "order", "amount", "currency", "memo")

    def base_queryset(self):
        return LedgerEntry.objects.select_related("transaction__order", "account", "order")

    def dehydrate_order(self, entry):
        # The order the entry is a share of, else the order of its transaction.
        order = entry.order if entry.order_id else entry.transaction.order
        return order.number if order is not None else ""

    def dehydrate_amount(self, entry):
        return str(money_from_minor(entry.amount_minor, entry.account.currency))


class UserResource(ExportResource):
    id = _column("id")
    date_joined = _when("date_joined")
    last_login = _when("last_login")
    email = _column("email")
    display_name = _column("display_name")
    language = _column("language")
    is_active = _flag("is_active")
    is_staff = _flag("is_staff")
    standing = _column("standing")
    suspended_until = _when("suspended_until")

    date_field = "date_joined"
    personal = frozenset({"email", "display_name"})

    class Meta:
        model = get_user_model()
        fields = (
            "id", "date_joined", "last_login", "email", "display_name", "language", "is_active", "is_staff",
            "standing", "suspended_until",
        )

    def base_queryset(self):
        return get_user_model().objects.all()


class ReportResource(ExportResource):
    id = _column("id")
    created_at = _when("created_at")
    target_kind = _computed("target_kind")
    target_id = _column("case__target_id", "target_id")
    target = _column("case__target_label", "target")
    reason = _column("reason")
    text = _column("text")
    status = _column("status")
    counts = _flag("counts")
    reporter_id = _column("reporter_id")
    reporter_email = _column("reporter__email", "reporter_email")
    decided_at = _when("decided_at")

    personal = frozenset({"reporter_email"})

    class Meta:
        model = Report
        fields = (
            "id", "created_at", "target_kind", "target_id", "target", "reason", "text", "status", "counts",
            "reporter_id", "reporter_email", "decided_at",
        )

    def base_queryset(self):
        return Report.objects.select_related("case__target_type", "reporter")

    def dehydrate_target_kind(self, report):
        kind = report.case.target_type
        return f"{kind.app_label}.{kind.model}"


class ProductResource(ExportResource):
    id = _column("id")
    created_at = _when("created_at")
    title = _column("title")
    store_id = _column("store_id")
    store = _column("store__name", "store")
    category = _column("category__name", "category")
    listing_type = _column("listing_type")
    status = _column("status")
    min_price = _computed("min_price")
    currency = _column("store__currency", "currency")
    in_stock = _flag("in_stock")
    rating_avg = _column("rating_avg")
    rating_count = _column("rating_count")
    orders_count = _column("orders_count")
    published_at = _when("published_at")

    money = frozenset({"min_price"})

    class Meta:
        model = Product
        fields = (
            "id", "created_at", "title", "store_id", "store", "category", "listing_type", "status", "min_price",
            "currency", "in_stock", "rating_avg", "rating_count", "orders_count", "published_at",
        )

    def base_queryset(self):
        return Product.objects.select_related("store", "category")

    def dehydrate_min_price(self, product):
        return money_text(product.min_price, product.store.currency)


RESOURCES: dict[str, type[ExportResource]] = {
    Export.Kind.ORDERS: OrderResource,
    Export.Kind.PAYOUTS: PayoutResource,
    Export.Kind.LEDGER: LedgerResource,
    Export.Kind.USERS: UserResource,
    Export.Kind.REPORTS: ReportResource,
    Export.Kind.PRODUCTS: ProductResource,
}

# What a staff member needs, beyond adding exports, to export each kind.
KIND_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Export.Kind.ORDERS: ("orders.view_order",),
    Export.Kind.PAYOUTS: (FINANCE_PERMISSION,),
    Export.Kind.LEDGER: (FINANCE_PERMISSION,),
    Export.Kind.USERS: ("accounts.view_user",),
    Export.Kind.REPORTS: ("moderation.view_report",),
    Export.Kind.PRODUCTS: ("catalog.view_product",),
}


def day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """From the start of ``date_from`` to the end of ``date_to``, in Soko's time zone."""
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


# Permissions -----------------------------------------------------------------------------


def export_kind_allowed(user, kind: str) -> bool:
    """Whether ``user`` may ask for an export of ``kind`` (and download one)."""
    if not (user.is_authenticated and user.is_active and user.is_staff) or kind not in KIND_PERMISSIONS:
        return False
    return user.has_perm("moderation.add_export") and user.has_perms(KIND_PERMISSIONS[kind])


def export_kinds_for(user) -> list[str]:
    return [kind for kind in Export.Kind.values if export_kind_allowed(user, kind)]


def export_may_download(user, export: Export) -> bool:
    """Its requester (or a superuser), still allowed to export its kind, and still allowed
    personal data when the file holds some."""
    if not (user.is_authenticated and (user.pk == export.requested_by_id or user.is_superuser)):
        return False
    if not user.has_perm("moderation.view_export") or not export_kind_allowed(user, export.kind):
        return False
    return not export.personal_data or user.has_perm(PERSONAL_PERMISSION)


# Asking ----------------------------------------------------------------------------------


def export_dates_check(date_from: date | None, date_to: date | None) -> None:
    if date_from is None or date_to is None:
        raise ExportError(gettext_lazy("Choose the first and the last day."))
    if date_from > date_to:
        raise ExportError(gettext_lazy("The first day comes after the last day."))
    if date_from < EARLIEST or date_to > timezone.localdate() + AHEAD:
        raise ExportError(gettext_lazy("Choose days between 2000 and a year from now."))


def export_start(*, export: Export, user) -> Export:
    """Record ``export`` (an unsaved row with its kind, format and days) as asked by
    ``user``, log it and enqueue its build. ``PermissionDenied`` when ``user`` may not
    export that kind."""
    if not export_kind_allowed(user, export.kind):
        raise PermissionDenied
    if export.format not in Export.Format.values:
        raise ExportError(gettext_lazy("Choose CSV or Excel."))
    export_dates_check(export.date_from, export.date_to)
    export.requested_by = user
    export.personal_data = bool(RESOURCES[export.kind].personal) and user.has_perm(PERSONAL_PERMISSION)
    export.status, export.rows_done, export.rows_total = Export.Status.QUEUED, 0, 0
    with transaction.atomic():
        export.save()
        log_action(
            actor=user,
            action=LogEntry.Action.EXPORT,
            target=export,
            after={
                "kind": export.kind,
                "format": export.format,
                "from": export.date_from.isoformat(),
                "to": export.date_to.isoformat(),
                "personal_data": export.personal_data,
            },
        )
        job_enqueue_on_commit("moderation.export_build", export.pk)
    return export


# Building --------------------------------------------------------------------------------

_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _CsvWriter:
    suffix, content_type = "csv", "text/csv"

    def __init__(self, handle):
        # A byte-order mark, so spreadsheet programs read the file as UTF-8.
        self.text = io.TextIOWrapper(handle, encoding=CSV_ENCODING, newline="")
        self.writer = csv.writer(self.text)

    def header(self, names, money):
        self.writer.writerow(names)

    def row(self, values, money_at):
        self.writer.writerow(values)

    def close(self):
        self.text.flush()
        self.text.detach()


class _XlsxWriter:
    suffix = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, handle):
        from openpyxl import Workbook

        self.handle = handle
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet()

    def header(self, names, money):
        self.sheet.append(names)

    def row(self, values, money_at):
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for index, value in enumerate(values):
            if index in money_at and value != "":
                amount = Decimal(value)
                cell = WriteOnlyCell(self.sheet, value=amount)
                places = -amount.as_tuple().exponent if amount.as_tuple().exponent < 0 else 0
                cell.number_format = "0." + "0" * places if places else "0"
                cells.append(cell)
            else:
                cells.append(_ILLEGAL_IN_XLSX.sub("", value) if isinstance(value, str) else value)
        self.sheet.append(cells)

    def close(self):
        self.book.save(self.handle)


WRITERS = {Export.Format.CSV: _CsvWriter, Export.Format.XLSX: _XlsxWriter}


def export_build(export_id: int) -> Export | None:
    """Write the file of export ``export_id``: from the start again if an earlier run
    stopped half way; nothing when it is finished already. A requester who lost the right
    to export its kind meanwhile gets a failed export."""
    export = Export.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None or export.status == Export.Status.DONE:
        return export
    if not export_kind_allowed(export.requested_by, export.kind) or (
        export.personal_data and not export.requested_by.has_perm(PERSONAL_PERMISSION)
    ):
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=str(gettext_lazy("The requester may no longer export this data."))
        )
        return export
    resource = RESOURCES[export.kind]()
    names = resource.columns(personal=export.personal_data)
    rows = resource.rows(export.date_from, export.date_to)
    total = rows.count()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, rows_total=total, rows_done=0, error="", updated_at=timezone.now()
    )
    fields = resource.get_export_fields(names)
    money_at = {index for index, name in enumerate(names) if name in resource.money}
    writer_class = WRITERS[export.format]
    done = 0
    try:
        with tempfile.TemporaryFile() as handle:
            writer = writer_class(handle)
            writer.header([field.column_name for field in fields], money_at)
            for instance in rows.iterator(chunk_size=CHUNK):
                values = [resource.export_field(field, instance) for field in fields]
                writer.row(
                    [value if index in money_at else cell_text(value) for index, value in enumerate(values)], money_at
                )
                done += 1
                if done % CHUNK == 0:
                    Export.objects.filter(pk=export.pk).update(rows_done=done, updated_at=timezone.now())
            writer.close()
            handle.seek(0)
            name = f"{export.kind}-{export.date_from:%Y%m%d}-{export.date_to:%Y%m%d}-{export.pk}-{secrets.token_hex(8)}"
            export.file.save(f"{name}.{writer_class.suffix}", File(handle), save=False)
    except Exception as error:  # noqa: BLE001 - any failure is shown on the export, not retried forever
        logger.exception("Export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=str(error)[:500], updated_at=timezone.now()
        )
        return export
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.DONE, rows_done=done, rows_total=max(total, done), file=export.file.name,
        finished_at=timezone.now(), updated_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


# An export not finished that showed no sign of life for this long lost its job (a queue
# that restarted empty, a worker killed while it built): it is built again from the start.
EXPORT_STALLED_AFTER = timedelta(minutes=10)
UNFINISHED = (Export.Status.QUEUED, Export.Status.RUNNING)


def exports_stalled_resume(*, limit: int = 50) -> int:
    """Queue again the builds of exports that stalled; how many were queued. Each is claimed
    by moving its ``updated_at`` forward, so two sweeps at once queue it once."""
    cutoff = timezone.now() - EXPORT_STALLED_AFTER
    stalled = Export.objects.filter(status__in=UNFINISHED, updated_at__lt=cutoff)
    queued = 0
    for export_id in list(stalled.order_by("pk").values_list("pk", flat=True)[:limit]):
        if stalled.filter(pk=export_id).update(updated_at=timezone.now()):
            job_enqueue_on_commit("moderation.export_build", export_id)
            queued += 1
    return queued


def export_content_type(export: Export) -> str:
    return WRITERS[export.format].content_type
