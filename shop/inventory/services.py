"""Stock: the only code that changes ``Variant.stock``, and the ``Product.in_stock`` flag
that follows it (``tests/inventory/test_only_writer.py`` holds every other module to that).

Every writer locks in one global order, so two of them queue instead of deadlocking:
the variants by primary key, then their products by primary key (``stock_lock``). A
caller that also locks other rows takes them before (a cart, an order, a store) and
never a variant or product after. All of it happens in the caller's transaction.

- ``stock_reserve``: a checkout takes units it checked under the lock.
- ``stock_release``: units come back on sale (a cancelled order whose goods never left
  the store, goods staff took back).
- ``stock_adjust``: a seller or staff set the figure they counted, against the figure
  their page showed; see ``StockEdit`` for the rule that prevents lost updates.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from shop.catalog.models import Product, Variant


class StockError(Exception):
    """A stock change that cannot be made as asked; nothing was written. ``code`` names
    the reason for apps (``stock_negative``, ``stock_changed_meanwhile``, ...)."""

    code = "stock_refused"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class StockShort(StockError):
    """A reservation asked for more than a variant has; the caller checks first."""

    def __init__(self, variant_ids: Collection[int]):
        self.variant_ids = sorted(variant_ids)
        super().__init__(f"Not enough stock for variants {self.variant_ids}.")


@dataclass(frozen=True)
class StockEdit:
    """A stock figure entered in a form: ``wanted`` is what the person typed, ``seen``
    what the page showed when it was opened (None if the page did not say).

    The rule (``stock_adjust``):

    - ``wanted == seen``: the field was left alone, so the stock is left alone, whatever
      checkouts and cancellations did to it meanwhile.
    - ``wanted != seen`` and the stock is still ``seen``: the stock becomes ``wanted``.
    - ``wanted != seen`` and the stock moved to something else: a conflict; nothing is
      written and the person is told what happened ("3 sold since you opened this
      page; stock is now 7"). Saving again with the page's figure refreshed confirms.
    - the stock already is ``wanted``: nothing to do.
    """

    variant_id: int
    wanted: int
    seen: int | None

    @property
    def touched(self) -> bool:
        return self.wanted != self.seen


@dataclass(frozen=True)
class StockConflict:
    edit: StockEdit
    now: int

    @property
    def message(self) -> str:
        seen, now = self.edit.seen, self.now
        if seen is None:
            what = _("Stock is now %(now)s") % {"now": now}
        elif now < seen:
            what = _("%(count)s sold since you opened this page; stock is now %(now)s") % {"count": seen - now, "now": now}
        else:
            what = _("%(count)s came back or were added since you opened this page; stock is now %(now)s") % {"count": now - seen, "now": now}
        return _("%(what)s. Check the figure and save again to set it to %(wanted)s.") % {"what": what, "wanted": self.edit.wanted}


class StockChangedMeanwhile(StockError):
    """Stock someone edited moved since their page was opened; ``conflicts`` says how."""

    code = "stock_changed_meanwhile"

    def __init__(self, conflicts: Sequence[StockConflict]):
        self.conflicts = list(conflicts)
        super().__init__(" ".join(conflict.message for conflict in self.conflicts))


def stock_lock(*, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> dict[int, Variant]:
    """Lock, for the rest of the transaction, the given variants and every variant of
    the given products (in primary-key order), then the products of all of them (in
    primary-key order); return the locked variants by primary key, read under the lock.
    Variants that no longer exist are left out."""
    variant_ids, product_ids = set(variant_ids), set(product_ids)
    locked = {
        variant.pk: variant
        for variant in Variant.objects.select_for_update()
        .filter(Q(pk__in=variant_ids) | Q(product_id__in=product_ids))
        .order_by("pk")
    }
    products = product_ids | {variant.product_id for variant in locked.values()}
    list(Product.objects.select_for_update().filter(pk__in=products).order_by("pk").values_list("pk", flat=True))
    return locked


def stock_reserve(*, locked: Mapping[int, Variant], quantities: Mapping[int, int]) -> None:
    """Take ``quantities`` (variant pk -> units) off variants that ``stock_lock`` locked
    in this transaction and the caller found sufficient; raises ``StockShort`` and writes
    nothing if one is not."""
    short = [pk for pk, quantity in quantities.items() if locked[pk].stock < quantity]
    if short:
        raise StockShort(short)
    emptied = set()
    for pk in sorted(quantities):
        Variant.objects.filter(pk=pk).update(stock=F("stock") - quantities[pk])
        locked[pk].stock -= quantities[pk]
        if locked[pk].stock == 0:
            emptied.add(locked[pk].product_id)
    in_stock_refresh(product_ids=emptied)


def stock_release(*, quantities: Mapping[int, int]) -> None:
    """Put ``quantities`` (variant pk -> units) back on sale. Variants deleted since are
    skipped. The caller makes sure the same units come back only once."""
    quantities = {pk: quantity for pk, quantity in quantities.items() if quantity > 0}
    locked = stock_lock(variant_ids=quantities)
    refilled = set()
    for pk in sorted(locked):
        Variant.objects.filter(pk=pk).update(stock=F("stock") + quantities[pk])
        if locked[pk].stock == 0:
            refilled.add(locked[pk].product_id)
        locked[pk].stock += quantities[pk]
    in_stock_refresh(product_ids=refilled)


def stock_conflicts(*, edits: Sequence[StockEdit]) -> list[StockConflict]:
    """Lock the edited variants (see ``stock_lock``) and return the edits that conflict
    with the stock as it is now. Edits of variants that no longer exist are ignored."""
    return _conflicts(edits, stock_lock(variant_ids=[edit.variant_id for edit in edits]))


def _conflicts(edits: Sequence[StockEdit], locked: Mapping[int, Variant]) -> list[StockConflict]:
    conflicts = []
    for edit in edits:
        variant = locked.get(edit.variant_id)
        if variant is not None and edit.touched and variant.stock not in (edit.seen, edit.wanted):
            conflicts.append(StockConflict(edit=edit, now=variant.stock))
    return conflicts


def stock_adjust(*, edits: Sequence[StockEdit]) -> list[int]:
    """Apply stock figures people entered, by the ``StockEdit`` rule: all of them, or
    none and ``StockChangedMeanwhile`` naming every conflict. Returns the primary keys of
    the variants whose stock changed."""
    if any(edit.wanted < 0 for edit in edits):
        raise StockError(_("Stock cannot be negative."), code="stock_negative")
    locked = stock_lock(variant_ids=[edit.variant_id for edit in edits])
    conflicts = _conflicts(edits, locked)
    if conflicts:
        raise StockChangedMeanwhile(conflicts)
    changed, products = [], set()
    for edit in sorted(edits, key=lambda edit: edit.variant_id):
        variant = locked.get(edit.variant_id)
        if variant is None or not edit.touched or variant.stock == edit.wanted:
            continue
        Variant.objects.filter(pk=variant.pk).update(stock=edit.wanted)
        if (variant.stock == 0) != (edit.wanted == 0):
            products.add(variant.product_id)
        variant.stock = edit.wanted
        changed.append(variant.pk)
    in_stock_refresh(product_ids=products)
    return changed


def in_stock_refresh(*, product_ids: Iterable[int]) -> None:
    """Set each product's ``in_stock`` flag from its variants (the listing filters and
    sorts on it). Callers hold the products' locks or created them in this transaction."""
    product_ids = sorted(set(product_ids))
    if product_ids:
        in_stock = Exists(Variant.objects.filter(product=OuterRef("pk"), stock__gt=0))
        Product.objects.filter(pk__in=product_ids).update(in_stock=in_stock)
