"""Writes to the catalog: listings, their moderation and favorites."""

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from shop.notifications.services import notify

from .models import Favorite, Product, Variant

# Edits to these fields change what shoppers are told, so staff look again.
SUBSTANTIVE_FIELDS = {"title", "description", "brand", "category", "kind", "condition"}


class ModerationError(Exception):
    pass


def product_slug_unique(*, title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:120] or "item"
    slug, n = base, 1
    while Product.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def product_summary_refresh(*, product: Product) -> None:
    """Recompute the denormalised price and stock flags from the variants."""
    totals = Variant.objects.filter(product=product).aggregate(min_price=Min("price"), stock=Sum("stock"))
    Product.objects.filter(pk=product.pk).update(min_price=totals["min_price"], in_stock=bool(totals["stock"]))
    product.min_price, product.in_stock = totals["min_price"], bool(totals["stock"])


def _auto_approves(product: Product) -> bool:
    return settings.SOKO_AUTO_APPROVE_VERIFIED_STORES and product.store.verified


@transaction.atomic
def product_submit(*, product: Product, changed_fields: set[str] | None = None, publish: bool = True) -> Product:
    """After a seller saves a product: a new listing, or a substantive edit of one that
    was live, goes to review (or straight live for verified stores, if the operator
    allows). ``publish=False`` keeps it a draft."""
    if not publish:
        if product.status in {Product.Status.DRAFT, Product.Status.REJECTED}:
            product.status = Product.Status.DRAFT
            product.save(update_fields=["status", "updated_at"])
        return product
    needs_review = product.status in {Product.Status.DRAFT, Product.Status.REJECTED} or (
        product.status == Product.Status.ACTIVE and changed_fields and changed_fields & SUBSTANTIVE_FIELDS
    )
    if needs_review:
        if _auto_approves(product):
            _activate(product)
        else:
            product.status = Product.Status.PENDING
            product.rejection_reason = ""
            product.save(update_fields=["status", "rejection_reason", "updated_at"])
    return product


def _activate(product: Product) -> None:
    product.status = Product.Status.ACTIVE
    product.rejection_reason = ""
    product.published_at = product.published_at or timezone.now()
    product.save(update_fields=["status", "rejection_reason", "published_at", "updated_at"])


def _notify_store(product: Product, text: str) -> None:
    url = reverse("sellers:product_edit", args=[product.pk])
    for member in product.store.memberships.select_related("user"):
        notify(user=member.user, kind="moderation", text=text, url=url, email=True)


@transaction.atomic
def product_approve(*, product: Product) -> Product:
    product = Product.objects.select_for_update().select_related("store").get(pk=product.pk)
    if product.status != Product.Status.PENDING:
        raise ModerationError(f"“{product.title}” is {product.get_status_display().lower()}, not pending review.")
    _activate(product)
    _notify_store(product, f"“{product.title}” was approved and is now live.")
    return product


@transaction.atomic
def product_reject(*, product: Product, reason: str) -> Product:
    reason = reason.strip()
    if not reason:
        raise ModerationError("Give the seller a reason for the rejection.")
    product = Product.objects.select_for_update().select_related("store").get(pk=product.pk)
    if product.status != Product.Status.PENDING:
        raise ModerationError(f"“{product.title}” is {product.get_status_display().lower()}, not pending review.")
    product.status = Product.Status.REJECTED
    product.rejection_reason = reason[:300]
    product.save(update_fields=["status", "rejection_reason", "updated_at"])
    _notify_store(product, f"“{product.title}” was not approved: {product.rejection_reason}")
    return product


@transaction.atomic
def products_bulk_set_status(*, store, product_ids: list[int], action: str) -> int:
    """Seller bulk actions on their own store's products: archive, activate, delete.
    Activating only un-archives listings that were approved before."""
    products = Product.objects.filter(store=store, pk__in=product_ids)
    if action == "archive":
        return products.exclude(status=Product.Status.ARCHIVED).update(status=Product.Status.ARCHIVED, updated_at=timezone.now())
    if action == "activate":
        return products.filter(status=Product.Status.ARCHIVED, published_at__isnull=False).update(
            status=Product.Status.ACTIVE, updated_at=timezone.now()
        )
    if action == "delete":
        deleted, _ = products.delete()
        return deleted
    raise ValueError(f"Unknown bulk action {action!r}")


@transaction.atomic
def product_duplicate(*, product: Product) -> Product:
    variants = list(product.variants.all())
    images = list(product.images.all())
    tags = list(product.tags.all())
    copy = Product.objects.get(pk=product.pk)
    copy.pk = None
    copy.title = f"{product.title} (copy)"[:120]
    copy.slug = product_slug_unique(title=copy.title)
    copy.status = Product.Status.DRAFT
    copy.published_at = None
    copy.rejection_reason = ""
    copy.featured = False
    copy.rating_avg, copy.rating_count, copy.orders_count = 0, 0, 0
    copy.save()
    copy.tags.set(tags)
    for variant in variants:
        variant.pk, variant.product = None, copy
        variant.sku = ""
        variant.save()
    for image in images:
        image.pk, image.product = None, copy
        image.save()
    return copy


def favorite_toggle(*, user, product=None, store=None) -> bool:
    """Add or remove a favorite; returns whether it is now a favorite."""
    lookup = {"user": user, "product": product, "store": store}
    deleted, _ = Favorite.objects.filter(**lookup).delete()
    if deleted:
        return False
    Favorite.objects.get_or_create(**lookup)
    return True


def product_tags_set(*, product: Product, names: list[str]) -> None:
    from .models import Tag

    clean = sorted({name.strip().lower()[:40] for name in names if name.strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in clean]
    product.tags.set(tags)
    product.tags_text = " ".join(clean)[:400]
    Product.objects.filter(pk=product.pk).update(tags_text=product.tags_text)
