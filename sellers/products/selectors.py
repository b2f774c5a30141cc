"""Reads for the seller's product pages. Every product is fetched through the member's
own store, so another store's product is a 404 whatever the URL says."""

from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.core.errors import NotFound
from shop.core.search import search_text

STATUS_TABS = [("", gettext_lazy("All"))] + list(Product.Status.choices)


def product_get_for_member(*, user, pk: int) -> Product:
    """A product of any store this user works for (a link names the product, not the
    store); 404 for every other product."""
    try:
        return Product.objects.select_related("store", "category").get(store__memberships__user=user, pk=pk)
    except Product.DoesNotExist:
        raise NotFound(_("No such product in your store.")) from None


def variant_get_for_member(*, user, pk: int) -> Variant:
    """A variant of a product of any store this user works for; 404 for every other."""
    variant = Variant.objects.select_related("product__store").filter(pk=pk, product__store__memberships__user=user).first()
    if variant is None:
        raise NotFound(_("No such product in your store."))
    return variant


def product_image_get_for_member(*, user, pk: int) -> ProductImage:
    """A picture of a product of any store this user works for; 404 for every other."""
    image = ProductImage.objects.select_related("product__store").filter(pk=pk, product__store__memberships__user=user).first()
    if image is None:
        raise NotFound(_("No such product in your store."))
    return image


def products_get_in_store(*, store, pks) -> list[Product]:
    """All of these products, or a 404 if any one is not this store's."""
    wanted = set(pks)
    products = list(Product.objects.filter(store=store, pk__in=wanted))
    if len(products) != len(wanted):
        raise NotFound(_("No such product in your store.")) from None
    return products


def store_products(*, store, query: str = "", status: str = ""):
    """The dashboard list: one row per product with its stock and price range, low-stock
    and sold-out counts, and pictures prefetched; a fixed number of queries per page."""
    products = Product.objects.filter(store=store)
    query = search_text(query)
    if query:
        # A subquery, not a join: joining variants here would skew the sums below.
        sku_match = Variant.objects.filter(product=OuterRef("pk"), sku__icontains=query)
        products = products.filter(Q(title__icontains=query) | Exists(sku_match))
    if status:
        products = products.filter(status=status)
    return (
        products.select_related("category")
        .annotate(
            stock_total=Coalesce(Sum("variants__stock"), Value(0), output_field=IntegerField()),
            variant_count=Count("variants"),
            price_low=Min("variants__price"),
            price_high=Max("variants__price"),
            low_stock_count=Count(
                "variants", filter=Q(variants__stock__gt=0, variants__stock__lte=F("variants__low_stock_threshold"))
            ),
            sold_out_count=Count("variants", filter=Q(variants__stock=0)),
        )
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position", "id")))
        .order_by("-updated_at", "-id")
    )


def store_product_status_counts(*, store) -> dict[str, int]:
    counts = dict(Product.objects.filter(store=store).values_list("status").annotate(n=Count("id")).order_by())
    counts[""] = sum(counts.values())
    return counts


def product_for_editing(*, product: Product) -> Product:
    """The product with what the edit form shows: variants, pictures and tags."""
    return (
        Product.objects.select_related("store", "category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position", "id")),
            "tags",
        )
        .get(pk=product.pk)
    )


def category_choices() -> list:
    """Categories grouped under their top-level parent, for a ``<select>`` with ``<optgroup>``s.
    A top-level category without children is offered on its own; deeper ones are indented."""
    categories = list(Category.objects.all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)

    def descendants(category: Category, depth: int) -> list:
        rows = []
        for child in children.get(category.pk, []):
            rows.append((child.pk, f"{'— ' * depth}{child.label}"))
            rows.extend(descendants(child, depth + 1))
        return rows

    choices: list = [("", _("Choose a category"))]
    for top in children.get(None, []):
        below = descendants(top, 0)
        if below:
            choices.append((top.label, [(top.pk, _("%(category)s (general)") % {"category": top.label})] + below))
        else:
            choices.append((top.pk, top.label))
    return choices
