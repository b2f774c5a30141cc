"""Scheduled sales: a store takes a percentage or an amount off chosen products, or off a
category's, for a time, and the sale starts and ends by itself.

While a sale runs, its variants' prices *are* the sale prices and their struck-through
prices the prices before: every page, the cart, checkout, search sorting and the cached
pages (the catalog's change triggers see the write) show and charge the sale price with no
code of their own, and the badge is the one any reduced price gets. ``SaleItem`` keeps each
variant's prices from before; the end puts them back only where the price is still the sale
price, so a price the seller changed during the sale stays.

Starting and ending are claimed under the sale's row lock by status, so the job scheduled
for the exact moment and the minute's sweep (``sales_tick``, which also catches up after a
worker was down) do it once. A variant is in one running sale at a time (a database
constraint): a second sale leaves it out.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.catalog.models import Category, Product, Variant
from shop.catalog.services.products import products_price_refresh, variant_sale_price_set
from shop.core.jobs import job_enqueue_on_commit, job_schedule_on_commit
from shop.core.selectors.currencies import cash_unit, money_cash_round, money_quantize
from shop.promotions.models import Sale, SaleItem

ON_SALE_STATUSES = (Product.Status.ACTIVE, Product.Status.PENDING, Product.Status.DRAFT)


class SaleInvalid(Exception):
    """A sale that may not be made, with every reason at once (``problems``)."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SaleInput:
    name: str
    kind: str
    amount: Decimal
    starts_at: datetime
    ends_at: datetime
    products: tuple[Product, ...] = ()
    category: Category | None = None


def sale_price(price: Decimal, *, kind: str, amount: Decimal, currency: str) -> Decimal:
    """The price less the sale's reduction, in the currency's minor unit; never below one
    cash unit (or the price, when it is less). A percentage's reduction is in whole cash units (``money_cash_round``), so
    it puts no cents on a price that had none."""
    off = money_cash_round(price * amount / Decimal(100), currency) if kind == Sale.Kind.PERCENT else amount
    reduced = price - off
    smallest = min(money_quantize(cash_unit(currency), currency), price)  # a whole unit, or less for a price below it
    return max(money_quantize(reduced, currency), smallest)


def sale_problems(
    *, store, now: datetime, name=None, kind=None, amount=None, starts_at=None, ends_at=None, products=None, category=None
) -> list[str]:
    """Every reason the sale may not be made, at once. A value left ``None`` is not known
    yet (the form refused it already) and the rules that read it are skipped; ``products``
    ``None`` stands for what the sale covers not being known (``category`` ``None`` is no
    category)."""
    problems = []
    if name is not None and not name.strip():
        problems.append(_("Give the sale a name shoppers will not see but you will recognise."))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(_("The sale must end after it starts."))
    elif ends_at is not None and ends_at <= now:
        problems.append(_("That end is already past: pick an end in the future."))
    if amount is not None and amount <= 0:
        problems.append(_("Take off more than nothing."))
    elif kind == Sale.Kind.PERCENT and amount is not None and amount >= 100:
        problems.append(_("A percentage off must be below 100."))
    if products is None:
        return problems
    if bool(products) == bool(category):
        problems.append(_("Choose either products or a category for the sale."))
    elif any(product.store_id != store.pk for product in products):
        problems.append(_("A sale can only include your own store's products."))
    elif kind == Sale.Kind.FIXED and amount is not None and amount > 0:
        cheapest = Variant.objects.filter(_targets(store=store, products=products, category=category)).order_by("price").first()
        if cheapest is not None and cheapest.price <= amount:
            problems.append(
                _("%(amount)s off is more than %(product)s costs; take off less or leave it out.")
                % {"amount": amount, "product": cheapest.product.title}
            )
    return problems


def _validate(*, store, data: SaleInput, now: datetime) -> None:
    problems = sale_problems(
        store=store, now=now, name=data.name, kind=data.kind, amount=data.amount, starts_at=data.starts_at,
        ends_at=data.ends_at, products=data.products, category=data.category,
    )
    if problems:
        raise SaleInvalid(problems)


def _targets(*, store, products=(), category=None) -> Q:
    where = Q(product__store=store, product__status__in=ON_SALE_STATUSES, product__listing_type=Product.Listing.FIXED)
    if category is not None:
        return where & (Q(product__category=category) | Q(product__category__parent=category))
    return where & Q(product__in=[product.pk for product in products])


@transaction.atomic
def sale_create(*, store, user, data: SaleInput, now: datetime | None = None) -> Sale:
    now = now or timezone.now()
    _validate(store=store, data=data, now=now)
    sale = Sale.objects.create(
        store=store, name=data.name.strip(), kind=data.kind, amount=data.amount, category=data.category,
        starts_at=data.starts_at, ends_at=data.ends_at, created_by=user,
    )
    sale.products.set(data.products)
    if data.starts_at <= now:
        job_enqueue_on_commit("promotions.sale_start", sale.pk)
    else:
        job_schedule_on_commit("promotions.sale_start", sale.pk, eta=data.starts_at)
    job_schedule_on_commit("promotions.sale_end", sale.pk, eta=data.ends_at)
    return sale


def sale_start(*, sale_id: int, now: datetime | None = None) -> bool:
    """Start the sale if it is due and not started: give its variants their sale prices."""
    now = now or timezone.now()
    with transaction.atomic():
        sale = Sale.objects.select_for_update(of=("self",)).select_related("store", "category").filter(
            pk=sale_id, status=Sale.Status.SCHEDULED, starts_at__lte=now
        ).first()
        if sale is None:
            return False
        if sale.ends_at <= now:  # a worker was down for all of it
            sale.status = Sale.Status.ENDED
            sale.save(update_fields=["status", "updated_at"])
            return False
        taken = SaleItem.objects.filter(running=True).values("variant_id")
        variants = (
            Variant.objects.select_for_update()
            .filter(_targets(store=sale.store, products=list(sale.products.all()), category=sale.category))
            .exclude(pk__in=taken)
            .order_by("pk")
        )
        items = []
        for variant in variants:
            price = sale_price(variant.price, kind=sale.kind, amount=sale.amount, currency=sale.store.currency)
            if price >= variant.price:
                continue
            items.append(SaleItem(sale=sale, variant=variant, price_before=variant.price, compare_at_before=variant.compare_at_price, sale_price=price))
            struck = max(variant.price, variant.compare_at_price or variant.price)
            variant_sale_price_set(variant_id=variant.pk, price=price, compare_at_price=struck)
        # Another sale starting at this very moment with one of these variants breaks the
        # one-running-sale constraint: this start rolls back and the next sweep retries it.
        SaleItem.objects.bulk_create(items)
        products_price_refresh(product_ids=[item.variant.product_id for item in items])
        sale.status = Sale.Status.RUNNING
        sale.save(update_fields=["status", "updated_at"])
    return True


def sale_end(*, sale_id: int, now: datetime | None = None, early: bool = False) -> bool:
    """End the sale if it is due (or ``early``, the store stopping it): put the prices from
    before back where the sale price is still the price."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Q() if early else Q(ends_at__lte=now)
        sale = Sale.objects.select_for_update().filter(due, pk=sale_id, status=Sale.Status.RUNNING).first()
        if sale is None:
            return False
        items = list(sale.items.filter(running=True).select_related("variant"))
        for item in items:
            variant_sale_price_set(
                variant_id=item.variant_id, price=item.price_before, compare_at_price=item.compare_at_before, only_if_price=item.sale_price
            )
        sale.items.update(running=False)
        products_price_refresh(product_ids=[item.variant.product_id for item in items])
        sale.status = Sale.Status.ENDED
        if early and now > sale.starts_at:
            sale.ends_at = now
        sale.save(update_fields=["status", "ends_at", "updated_at"])
    return True


def sale_stop(*, sale: Sale, now: datetime | None = None) -> Sale:
    """The store stops a sale: a scheduled one never starts, a running one ends now."""
    now = now or timezone.now()
    if not sale_end(sale_id=sale.pk, now=now, early=True):
        Sale.objects.filter(pk=sale.pk, status=Sale.Status.SCHEDULED).update(status=Sale.Status.CANCELLED, updated_at=now)
    sale.refresh_from_db()
    return sale


def sales_tick(*, now: datetime | None = None) -> tuple[int, int]:
    """Start the sales that are due and end the ones that are over (the minute's sweep
    behind the jobs scheduled for the exact moments). Returns (started, ended)."""
    now = now or timezone.now()
    over = Sale.objects.filter(status=Sale.Status.RUNNING, ends_at__lte=now).order_by("ends_at", "pk")
    ended = sum(sale_end(sale_id=pk, now=now) for pk in over.values_list("pk", flat=True))
    due = Sale.objects.filter(status=Sale.Status.SCHEDULED, starts_at__lte=now).order_by("starts_at", "pk")  # the first to start wins a variant
    started = sum(sale_start(sale_id=pk, now=now) for pk in due.values_list("pk", flat=True))
    return started, ended
