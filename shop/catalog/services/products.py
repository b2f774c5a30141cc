"""Writes to the catalog: listings, their moderation and favorites."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Favorite, Product, ProductImage, Tag, Variant
from shop.core.selectors.i18n import lazy_text
from shop.core.services.transactions import DatabaseBusy, atomic_retrying
from shop.core.signals import staff_acted
from shop.inventory.services import StockEdit, in_stock_refresh, stock_adjust, stock_lock
from shop.media.services.images import image_store
from shop.notifications.services.notifications import notify

# Edits to these change what shoppers are told, so staff look again. "tags", "images" and
# the "variant_…" names are not model fields: product_save reports them when the tag set
# changes, a picture is added, a variant is added or renamed or its attributes change
# ("variant_text"), or a price or compare-at price moves by more than
# SOKO_REVIEW_PRICE_CHANGE_PERCENT, or a compare-at price appears ("variant_price").
# Stock, SKU, low-stock threshold, order and removing a variant are not reviewed.
SUBSTANTIVE_FIELDS = {
    "title", "description", "brand", "category", "kind", "condition", "tags", "images", "variant_text", "variant_price",
}


class ModerationError(Exception):
    pass


class ProductInvalid(ValidationError):
    """A save that the database state refuses (for instance a SKU another listing took meanwhile)."""


@dataclass
class VariantInput:
    """One variant row as the seller entered it; ``id`` is None for a new one.
    ``stock_seen`` is the stock the form showed for an existing one (see
    ``shop.inventory.services.StockEdit``); None when the form did not say."""

    name: str
    price: Decimal
    id: int | None = None
    sku: str = ""
    attributes: dict = field(default_factory=dict)
    compare_at_price: Decimal | None = None
    stock: int = 0
    stock_seen: int | None = None
    low_stock_threshold: int = 3
    duration_minutes: int | None = None
    delete: bool = False


def product_slug_unique(*, title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:120] or "item"
    slug, n = base, 1
    while Product.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def product_summary_refresh(*, product: Product) -> None:
    """Recompute the denormalised price (here) and in-stock flag (``shop.inventory``)
    from the variants."""
    min_price = Variant.objects.filter(product=product).aggregate(min_price=Min("price"))["min_price"]
    Product.objects.filter(pk=product.pk).update(min_price=min_price)
    in_stock_refresh(product_ids=[product.pk])
    product.refresh_from_db(fields=["min_price", "in_stock"])


def variant_sale_price_set(*, variant_id: int, price: Decimal, compare_at_price: Decimal | None, only_if_price: Decimal | None = None) -> bool:
    """Set a variant's price and struck-through price for a sale starting or ending, without
    a new review (a discount is not a new listing); ``only_if_price``: only while the price
    is still that (a price the seller changed meanwhile stays). Call
    ``products_price_refresh`` after."""
    variants = Variant.objects.filter(pk=variant_id)
    if only_if_price is not None:
        variants = variants.filter(price=only_if_price)
    return bool(variants.update(price=price, compare_at_price=compare_at_price))


def products_price_refresh(*, product_ids: Iterable[int]) -> None:
    """Recompute the products' denormalised lowest price from their variants, in one query."""
    lowest = Subquery(Variant.objects.filter(product=OuterRef("pk")).order_by("price").values("price")[:1])
    Product.objects.filter(pk__in=sorted(set(product_ids))).update(min_price=lowest)


def store_listings_skip_review(*, store) -> bool:
    """Whether this store's listings go live without staff review (verified stores, when
    the operator allows it): the seller's button then says "Publish"."""
    return settings.SOKO_AUTO_APPROVE_VERIFIED_STORES and store.verified


@transaction.atomic
def product_submit(*, product: Product, changed_fields: set[str] | None = None, publish: bool = True) -> Product:
    """After a seller saves a product: a new listing, or a substantive edit of one that
    was live or archived, goes to review (or straight live for verified stores, if the
    operator allows). ``publish=False`` keeps it a draft, and takes a substantive edit of
    a live listing off sale rather than show shoppers text nobody reviewed.
    ``changed_fields=None`` means "unknown", which counts as substantive."""
    if product.status == Product.Status.HIDDEN:
        # Taken down by Soko: edits are kept, but only staff put it back on sale.
        return product
    substantive = changed_fields is None or bool(set(changed_fields) & SUBSTANTIVE_FIELDS)
    approved_before = product.status in {Product.Status.ACTIVE, Product.Status.ARCHIVED}
    if not publish:
        if not approved_before or substantive:
            _set_status(product, Product.Status.DRAFT)
        return product
    if not approved_before or substantive:
        if store_listings_skip_review(store=product.store):
            _activate(product)
        else:
            product.rejection_reason = ""
            _set_status(product, Product.Status.PENDING, "rejection_reason")
    return product


def _set_status(product: Product, status: str, *also: str) -> None:
    product.status = status
    product.save(update_fields=["status", *also, "updated_at"])


def _activate(product: Product) -> None:
    product.status = Product.Status.ACTIVE
    product.rejection_reason = ""
    product.published_at = product.published_at or timezone.now()
    product.save(update_fields=["status", "rejection_reason", "published_at", "updated_at"])


def _notify_store(product: Product, text) -> None:
    url = reverse("sellers:product_edit", args=[product.pk])
    for member in product.store.memberships.select_related("user"):
        notify(user=member.user, kind="moderation", text=text, url=url, email=True)


@transaction.atomic
def product_approve(*, product: Product, actor=None) -> Product:
    """Staff (``actor``) put a pending listing on sale; the moderation log hears of it."""
    product = Product.objects.select_for_update(of=("self",)).select_related("store").get(pk=product.pk)
    if product.status != Product.Status.PENDING:
        raise ModerationError(_("“%(title)s” is %(lower)s, not pending review.") % {"title": product.title, "lower": product.get_status_display().lower()})
    _activate(product)
    staff_acted.send(
        sender=Product, actor=actor, action="product_approved", target=product,
        before={"status": Product.Status.PENDING}, after={"status": product.status},
    )
    _notify_store(product, lazy_text(gettext_lazy("“%(title)s” was approved and is now live."), title=product.title))
    return product


@transaction.atomic
def product_reject(*, product: Product, reason: str, actor=None) -> Product:
    reason = reason.strip()
    if not reason:
        raise ModerationError(_("Give the seller a reason for the rejection."))
    product = Product.objects.select_for_update(of=("self",)).select_related("store").get(pk=product.pk)
    if product.status != Product.Status.PENDING:
        raise ModerationError(_("“%(title)s” is %(lower)s, not pending review.") % {"title": product.title, "lower": product.get_status_display().lower()})
    product.status = Product.Status.REJECTED
    product.rejection_reason = reason[:300]
    product.save(update_fields=["status", "rejection_reason", "updated_at"])
    staff_acted.send(
        sender=Product, actor=actor, action="product_rejected", target=product, reason=product.rejection_reason,
        before={"status": Product.Status.PENDING}, after={"status": product.status},
    )
    _notify_store(
        product, lazy_text(gettext_lazy("“%(title)s” was not approved: %(reason)s"), title=product.title, reason=product.rejection_reason)
    )
    return product


BULK_ACTIONS = ("archive", "activate", "delete")


@transaction.atomic
def products_bulk_set_status(*, store, product_ids: list[int], action: str) -> int:
    """Seller bulk actions on their own store's products: archive, activate, delete.
    Returns how many products changed.

    Only live listings are archived and only archived ones are activated again: an
    archived listing is then always one staff approved as it stands (an edit of an
    archived listing goes back to review, see ``product_submit``), so un-archiving
    cannot put unreviewed text on sale."""
    products = Product.objects.filter(store=store, pk__in=product_ids)
    now = timezone.now()
    if action == "archive":
        return products.filter(status=Product.Status.ACTIVE).update(status=Product.Status.ARCHIVED, updated_at=now)
    if action == "activate":
        return products.filter(status=Product.Status.ARCHIVED, published_at__isnull=False).update(
            status=Product.Status.ACTIVE, updated_at=now
        )
    if action == "delete":
        # delete() counts cascaded variants and pictures too; the seller asked about products.
        _count, per_model = products.delete()
        return per_model.get(Product._meta.label, 0)
    raise ValueError(f"Unknown bulk action {action!r}")


@transaction.atomic
def product_duplicate(*, product: Product) -> Product:
    """A draft copy with the same variants (SKUs cleared: they must stay unique), pictures and tags."""
    variants = list(product.variants.all())
    images = list(product.images.all())
    tags = list(product.tags.all())
    copy = Product.objects.get(pk=product.pk)
    copy.pk = None
    # A fresh row: without this, created_at (auto_now_add) would keep the original's date.
    copy._state.adding = True
    copy.title = f"{product.title} (copy)"[:120]
    copy.slug = product_slug_unique(title=copy.title)
    copy.status = Product.Status.DRAFT
    copy.published_at = None
    copy.rejection_reason = ""
    copy.featured = False
    copy.rating_avg, copy.rating_count, copy.orders_count = 0, 0, 0
    copy.save()
    copy.tags.set(tags)
    copied_variant = {}
    for variant in variants:
        original = variant.pk
        variant.pk, variant.product = None, copy
        variant._state.adding = True
        variant.sku = ""
        variant.save()
        copied_variant[original] = variant.pk
    for image in images:
        image.pk, image.product = None, copy
        image.variant_id = copied_variant.get(image.variant_id)
        image._state.adding = True
        image.save()
    product_summary_refresh(product=copy)
    return copy


def product_save(
    *,
    store,
    product: Product | None,
    fields: dict,
    tags: list[str],
    variants: Sequence[VariantInput],
    images_keep: Sequence[int] | None = None,
    images_new: Sequence = (),
    image_variants: Mapping[int, int | None] | None = None,
    publish: bool,
) -> Product:
    """Create or edit a listing with its variants and pictures in one transaction, then
    refresh its price/stock summary and send it on to review via ``product_submit``.

    ``fields`` are Product fields (title, category, kind, …). ``variants`` lists every row:
    existing ones by ``id`` (``delete=True`` removes one), new ones without. ``images_keep``
    is the existing pictures to keep, in display order (the first is the primary one);
    None leaves them as they are. ``images_new`` are uploads (``ValidatedImage`` or files)
    appended after them. ``image_variants`` maps kept pictures to the variant each shows
    (None: the whole product). Raises ``ProductInvalid`` and writes nothing when the result
    would break a rule.

    Stock of existing variants changes only through ``shop.inventory.stock_adjust``,
    against the figure the form showed (``VariantInput.stock_seen``): a form left open
    while buyers checked out never puts sold units back on sale, and a changed figure
    that clashes raises ``StockChangedMeanwhile`` (nothing written). Locks: the store,
    then the product's variants, then the product (inventory's order, as checkout).
    A deadlock or busy database is retried; if it stays busy, ``ProductInvalid``."""
    try:
        return atomic_retrying(
            lambda: _product_save(
                store=store,
                product=product,
                fields=fields,
                tags=tags,
                variants=variants,
                images_keep=images_keep,
                images_new=images_new,
                image_variants=image_variants,
                publish=publish,
            ),
            what="product save",
        )
    except DatabaseBusy as error:
        raise ProductInvalid(_("Your store is busy right now and nothing was saved. Please save again.")) from error


def _product_save(
    *, store, product, fields, tags, variants, images_keep, images_new, image_variants, publish
) -> Product:
    # Serialises saves per store, so two saves cannot both take the same SKU. NO KEY: an
    # order being placed for this store (a foreign key to it) need not wait for the save.
    store = type(store).objects.select_for_update(no_key=True).get(pk=store.pk)
    if product is None or product.pk is None:
        product = Product(store=store, **fields)
        product.slug = product_slug_unique(title=product.title)
        product.save()
        changed = set(fields) | {"tags", "images", "variants"}
    else:
        stock_lock(product_ids=[product.pk])
        product = Product.objects.get(pk=product.pk, store=store)
        changed = set()
        for name, value in fields.items():
            if getattr(product, name) != value:
                changed.add(name)
                setattr(product, name, value)
        if changed:
            product.save()

    old_tags = set(product.tags.values_list("name", flat=True))
    product_tags_set(product=product, names=tags)
    if set(product.tags.values_list("name", flat=True)) != old_tags:
        changed.add("tags")

    changed |= _variants_save(product=product, store=store, variants=variants)
    if _images_save(product=product, keep=images_keep, new=images_new, image_store=image_store):
        changed.add("images")
    if image_variants:
        _image_variants_save(product=product, assignments=image_variants)

    product_summary_refresh(product=product)
    return product_submit(product=product, changed_fields=changed, publish=publish)


def _price_jump(old: Decimal | None, new: Decimal | None) -> bool:
    """Whether a price moved far enough for staff to look again (a compare-at price that
    appears is a new "was" claim; one that goes away is not)."""
    if new is None or old == new:
        return False
    if old is None:
        return True
    return abs(new - old) * 100 > old * settings.SOKO_REVIEW_PRICE_CHANGE_PERCENT


def _variants_save(*, product: Product, store, variants: Sequence[VariantInput]) -> set[str]:
    """Apply the variant rows (the caller holds the variants' locks); returns what changed:
    "variants" for anything, plus "variant_text" / "variant_price" for what shoppers see
    (``SUBSTANTIVE_FIELDS``). A new variant starts with the stock entered; an existing
    one's stock goes through ``stock_adjust``."""
    existing = {variant.pk: variant for variant in product.variants.all()}
    unknown = {row.id for row in variants if row.id is not None} - set(existing)
    if unknown:
        raise ProductInvalid(_("A variant you edited no longer exists; reload the page and try again."))
    rows = [row for row in variants if not row.delete]
    if not rows:
        raise ProductInvalid(_("Add at least one variant with a name and a price."))
    _skus_check(product=product, store=store, rows=rows)

    if any(row.stock < 0 for row in rows):
        raise ProductInvalid(_("Stock cannot be negative."))
    edits = [StockEdit(variant_id=row.id, wanted=row.stock, seen=row.stock_seen) for row in rows if row.id is not None]
    changed = {"variants"} if stock_adjust(edits=edits) else set()
    deleted = [row.id for row in variants if row.delete and row.id is not None]
    if deleted:
        Variant.objects.filter(product=product, pk__in=deleted).delete()
        changed.add("variants")
    names = ["name", "sku", "attributes", "price", "compare_at_price", "low_stock_threshold", "duration_minutes"]
    for position, row in enumerate(rows):
        values = {name: getattr(row, name) for name in names} | {"position": position}
        values["sku"] = values["sku"].strip()
        if row.id is None:
            variant = Variant(product=product, stock=row.stock, **values)
            variant.full_clean(exclude=["product"])
            variant.save()
            changed |= {"variants", "variant_text"}
            continue
        variant = existing[row.id]
        if all(getattr(variant, name) == value for name, value in values.items()):
            continue
        if (variant.name, variant.attributes) != (values["name"], values["attributes"]):
            changed.add("variant_text")
        if _price_jump(variant.price, values["price"]) or _price_jump(variant.compare_at_price, values["compare_at_price"]):
            changed.add("variant_price")
        for name, value in values.items():
            setattr(variant, name, value)
        variant.full_clean(exclude=["product", "stock"])
        variant.save(update_fields=list(values))
        changed.add("variants")
    return changed


def _skus_check(*, product: Product, store, rows: Sequence[VariantInput]) -> None:
    skus = [row.sku.strip() for row in rows if row.sku.strip()]
    seen: set[str] = set()
    for sku in skus:
        if sku.casefold() in seen:
            raise ProductInvalid(_("Two variants use the SKU %(sku)s; each variant needs its own.") % {"sku": sku})
        seen.add(sku.casefold())
    if not skus:
        return
    taken = (
        Variant.objects.filter(product__store=store)
        .exclude(product=product)
        .annotate(sku_lower=Lower("sku"))
        .filter(sku_lower__in=[sku.lower() for sku in skus])
        .select_related("product")
        .first()
    )
    if taken:
        raise ProductInvalid(_("The SKU %(sku)s is already used by “%(title)s” in your store.") % {"sku": taken.sku, "title": taken.product.title})


def _images_save(*, product: Product, keep: Sequence[int] | None, new: Sequence, image_store) -> bool:
    """Remove, reorder and add pictures; returns whether a picture was added."""
    existing = {image.pk: image for image in product.images.all()}
    keep = list(existing) if keep is None else [pk for pk in dict.fromkeys(keep) if pk in existing]
    limit = settings.SOKO_IMAGE_MAX_COUNT
    if len(keep) + len(new) > limit:
        raise ProductInvalid(
            _("A product can have at most %(limit)s pictures: you are keeping %(len)s and adding %(len2)s. Remove some first.") % {"limit": limit, "len": len(keep), "len2": len(new)}
        )
    removed = set(existing) - set(keep)
    if removed:
        ProductImage.objects.filter(product=product, pk__in=removed).delete()
    for position, pk in enumerate(keep):
        if existing[pk].position != position:
            ProductImage.objects.filter(pk=pk).update(position=position)
    attached = {existing[pk].image_id for pk in keep}
    position = len(keep)
    for upload in new:
        stored = image_store(upload=upload)
        if stored.pk in attached:
            continue  # the same picture twice adds nothing
        attached.add(stored.pk)
        ProductImage.objects.create(product=product, image=stored, alt=product.title[:140], position=position)
        position += 1
    return position > len(keep)


def _image_variants_save(*, product: Product, assignments: Mapping[int, int | None]) -> None:
    """Say which variant each picture shows. Pictures and variants of other products are
    ignored; choosing a picture for a variant is not a change that needs review."""
    variant_ids = set(product.variants.values_list("pk", flat=True))
    for image in ProductImage.objects.filter(product=product, pk__in=list(assignments)):
        variant_id = assignments[image.pk] if assignments[image.pk] in variant_ids else None
        if image.variant_id != variant_id:
            ProductImage.objects.filter(pk=image.pk).update(variant_id=variant_id)


def favorite_toggle(*, user, product=None, store=None) -> bool:
    """Add or remove a favorite; returns whether it is now a favorite."""
    lookup = {"user": user, "product": product, "store": store}
    deleted, _per_model = Favorite.objects.filter(**lookup).delete()
    if deleted:
        return False
    seen = {"price_seen": product.min_price, "in_stock_seen": product.in_stock} if product is not None else {}
    Favorite.objects.get_or_create(**lookup, defaults=seen)
    return True


def product_tags_set(*, product: Product, names: list[str]) -> None:
    clean = sorted({name.strip().lower()[:40].strip() for name in names if name.strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in clean]
    product.tags.set(tags)
    product.tags_text = " ".join(clean)[:400]
    Product.objects.filter(pk=product.pk).update(tags_text=product.tags_text)
