"""Reads of the catalog. Every shopper-facing query starts from ``Product.objects.visible()``."""

from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import RowNumber
from django.db.models.query import ModelIterable

from shop.catalog.models import Category, Favorite, Product, ProductImage, Tag, Variant
from shop.catalog.selectors.search import (
    SearchDocument,
    search_vocabulary,
    search_word_spellings,
    search_words_indexed,
)
from shop.core.compiled import CompiledQuery, prefetched
from shop.core.errors import NotFound
from shop.core.ids import id_or_none
from shop.core.search import search_words

# Products belong to stores, which are the sellers app's: it sits above the catalog, so the
# catalog reaches the store model through the relation instead of importing it.
Store = Product.store.field.related_model


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# Categories ------------------------------------------------------------------------------


@dataclass
class CategoryTree:
    """The whole category tree from one query (it is small and changes rarely)."""

    categories: list[Category]
    by_slug: dict[str, Category] = field(init=False)
    children: dict[int | None, list[Category]] = field(init=False)

    def __post_init__(self):
        self.by_slug = {category.slug: category for category in self.categories}
        self.children = {}
        by_id = {category.pk: category for category in self.categories}
        for category in self.categories:
            self.children.setdefault(category.parent_id, []).append(category)
            category.parent_in_tree = by_id.get(category.parent_id)

    @property
    def top_level(self) -> list[Category]:
        return self.children.get(None, [])

    def descendant_ids(self, category: Category) -> list[int]:
        """The category and everything below it."""
        ids, pending = [], [category]
        while pending:
            current = pending.pop()
            ids.append(current.pk)
            pending.extend(self.children.get(current.pk, []))
        return ids

    def ancestors(self, category: Category) -> list[Category]:
        """From the top of the tree down to the category's parent."""
        chain, current = [], getattr(category, "parent_in_tree", None)
        while current is not None:
            chain.append(current)
            current = current.parent_in_tree
        return chain[::-1]

    def indented_choices(self, root: Category | None = None) -> list[tuple[str, str]]:
        """(slug, label) for a select: the subtree under ``root`` (or everything), children indented."""
        choices = []

        def walk(parent_id, depth):
            for category in self.children.get(parent_id, []):
                choices.append((category.slug, "\u2003" * depth + category.label))
                walk(category.pk, depth + 1)

        walk(root.pk if root else None, 0)
        return choices


def category_tree(*, stamp: str = "") -> CategoryTree:
    """The tree, read in one query; with the catalog's ``stamp``, kept in the cache until the
    catalog changes (shop.catalog.services.stamp)."""
    if not stamp:
        return CategoryTree(list(Category.objects.order_by("position", "name")))
    key = f"catalog:categories:{stamp}"
    categories = cache.get(key)
    if categories is None:
        categories = list(Category.objects.order_by("position", "name"))
        cache.set(key, categories, settings.SOKO_CATALOG_FACET_CACHE_SECONDS)
    return CategoryTree(categories)


def category_top_level() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("position", "name"))


# Product cards ---------------------------------------------------------------------------


def product_cards(queryset: QuerySet) -> QuerySet:
    """Everything a product card shows — primary picture, cheapest variant (for the sale
    price), store, category — in a fixed number of queries however many products: the
    products with their store and category, then each one's first picture
    (``card_images``) and cheapest variant (``card_variants``), lists of one or none."""
    queryset = queryset.select_related("store", "category")
    queryset._iterable_class = _CardIterable
    return queryset


class _CardIterable(ModelIterable):
    """The products, then their cards' pictures and variants (two queries compiled once for
    each number of products: a list page's are the same statements each time)."""

    def __iter__(self):
        products = list(super().__iter__())
        if products:
            ids = [product.pk for product in products]
            pictures = {picture.product_id: picture for picture in _card_pictures(len(ids)).instances(*ids)}
            variants = {variant.product_id: variant for variant in _card_variants(len(ids)).instances(*ids)}
            for product in products:
                product.card_images = [pictures[product.pk]] if product.pk in pictures else []
                product.card_variants = [variants[product.pk]] if product.pk in variants else []
        yield from products


def _first_of_each(queryset: QuerySet, ids, order: tuple[str, ...]) -> QuerySet:
    """Each product's first row of ``queryset`` in ``order``."""
    first = Window(RowNumber(), partition_by=F("product_id"), order_by=[F(name).asc() for name in order])
    return queryset.filter(product_id__in=ids).annotate(card_rank=first).filter(card_rank=1)


@lru_cache(maxsize=128)
def _card_pictures(count: int) -> CompiledQuery:
    return CompiledQuery(ProductImage, lambda *ids: _first_of_each(ProductImage.objects.select_related("image"), ids, ("position", "id")))


@lru_cache(maxsize=128)
def _card_variants(count: int) -> CompiledQuery:
    return CompiledQuery(Variant, lambda *ids: _first_of_each(Variant.objects.all(), ids, ("price", "position", "id")))


def with_favorite_flag(queryset: QuerySet, *, user) -> QuerySet:
    if not user.is_authenticated:
        return queryset
    return queryset.annotate(is_favorite=Exists(Favorite.objects.filter(user=user, product=OuterRef("pk"))))


def products_featured(*, user, limit: int = 8) -> list[Product]:
    """Staff-featured listings, the most ordered first."""
    queryset = Product.objects.visible().filter(featured=True).order_by("-orders_count", "-published_at", "-id")
    return list(with_favorite_flag(product_cards(queryset), user=user)[:limit])


def products_new(*, user, limit: int = 8) -> list[Product]:
    queryset = Product.objects.visible().order_by("-published_at", "-id")
    return list(with_favorite_flag(product_cards(queryset), user=user)[:limit])


# The product page ------------------------------------------------------------------------


def _page_product(slug, user_id=None) -> QuerySet:
    queryset = Product.objects.visible().select_related("store__area__parent", "category__parent").filter(slug=slug)
    if user_id is None:
        return queryset
    return queryset.annotate(
        is_favorite=Exists(Favorite.objects.filter(user_id=user_id, product=OuterRef("pk"))),
        is_store_favorite=Exists(Favorite.objects.filter(user_id=user_id, store=OuterRef("store_id"))),
    )


# A product page's reads, compiled once (shop.core.compiled): building these querysets and
# their prefetches cost the web process several times what PostgreSQL takes to answer them.
_SLUG_STAND_IN = "stand-in-product-slug"
_PAGE_PRODUCT = CompiledQuery(Product, lambda slug: _page_product(slug), stand_ins=(_SLUG_STAND_IN,))
_PAGE_PRODUCT_SIGNED_IN = CompiledQuery(Product, _page_product, stand_ins=(_SLUG_STAND_IN,))
_PAGE_PICTURES = CompiledQuery(
    ProductImage, lambda product_id: ProductImage.objects.select_related("image").filter(product_id=product_id).order_by("position", "id")
)
_PAGE_VARIANTS = CompiledQuery(Variant, lambda product_id: Variant.objects.filter(product_id=product_id).order_by("position", "id"))
_PAGE_TAGS = CompiledQuery(Tag, lambda product_id: Tag.objects.filter(products=product_id))


def product_get_visible(*, slug: str, user) -> Product:
    """A product page: 404 for anything a shopper may not see. With its pictures, variants
    and tags (each in order), the store with its area, the category with its parent, and for
    a signed-in reader ``is_favorite`` and ``is_store_favorite``."""
    product = _PAGE_PRODUCT_SIGNED_IN.first(slug, user.pk) if user.is_authenticated else _PAGE_PRODUCT.first(slug)
    if product is None:
        raise NotFound("No such product.")
    prefetched(product, "images", _PAGE_PICTURES.instances(product.pk))
    prefetched(product, "variants", _PAGE_VARIANTS.instances(product.pk))
    prefetched(product, "tags", _PAGE_TAGS.instances(product.pk))
    return product


def variant_choose(*, product: Product, variant_id) -> Variant | None:
    """The variant the shopper picked (``?variant=``), else the first one in stock, else the first.
    Anything that is not one of this product's variants is ignored."""
    variants = list(product.variants.all())
    if not variants:
        return None
    for variant in variants:
        if str(variant.pk) == str(variant_id or "").strip():
            return variant
    return next((variant for variant in variants if variant.stock > 0), variants[0])


def pictures_for_variant(images, variant: Variant | None) -> list[ProductImage]:
    """A product's pictures as a shopper who picked ``variant`` sees them: that variant's own
    first, then those of the whole product, then the other variants' (each in the seller's order)."""

    def rank(image: ProductImage) -> int:
        if variant is not None and image.variant_id == variant.pk:
            return 0
        return 1 if image.variant_id is None else 2

    return sorted(images, key=rank)


def category_leaders(category_id: int) -> QuerySet:
    """A category's live listings, the most ordered first (the order of the index
    product_live_category_popular_idx, so the first few are read, not sorted)."""
    return Product.objects.visible().filter(category_id=category_id).order_by("-orders_count", "-published_at", "-id")


def related_products(*, product: Product, user, stamp: str, limit: int = 4) -> list[Product]:
    """``limit`` cards of the other listings of the product's category. The category's first
    ``limit + 1`` cards are kept in the cache under the catalog's ``stamp`` and shared by
    every product page of the category (each leaves itself out); the reader's hearts are read
    for the cards shown only."""
    key = f"catalog:related:{product.category_id}:{limit}:{stamp}"
    leaders = cache.get(key)
    if leaders is None:
        leaders = list(product_cards(category_leaders(product.category_id))[: limit + 1])
        cache.set(key, leaders, settings.SOKO_CATALOG_FACET_CACHE_SECONDS)
    related = [leader for leader in leaders if leader.pk != product.pk][:limit]
    if user.is_authenticated and related:
        favorites = set(
            Favorite.objects.filter(user=user, product_id__in=[card.pk for card in related]).values_list("product_id", flat=True)
        )
        for card in related:
            card.is_favorite = card.pk in favorites
    return related


# Search and listing ----------------------------------------------------------------------


def product_search(queryset: QuerySet, *, query: str) -> QuerySet:
    """Every word must match. On PostgreSQL a word that some live listing has matches the
    weighted full-text vector (title > tags/brand > description, GIN); a word that none has
    (a typo, most likely) matches title words that look like it (trigram GIN); results are
    ranked. Elsewhere a word is a substring, or one of the listing words it is a likely
    misspelling of (``search_word_spellings``); title matches first.
    The words are capped (``shop.core.search``), so a query costs at most that many
    index conditions, and no joins, however long the text."""
    words = search_words(query)
    if not words:
        return queryset
    if _is_postgres():
        indexed = search_words_indexed(words)
        condition = Q()
        for word in words:
            if word in indexed:
                condition &= Q(search=SearchQuery(word, search_type="plain", config="simple"))
            else:
                condition &= Q(title__trigram_word_similar=word)
        queryset = queryset.annotate(search=SearchDocument()).filter(condition)
        known = " ".join(word for word in words if word in indexed)
        unknown = " ".join(word for word in words if word not in indexed)
        order = []
        if known:
            queryset = queryset.annotate(rank=SearchRank(SearchDocument(), SearchQuery(known, search_type="plain", config="simple")))
            order.append("-rank")
        if unknown:
            # The closest spellings first: similarity is worked out for trigram candidates only.
            queryset = queryset.annotate(similarity=TrigramWordSimilarity(unknown, "title"))
            order.insert(0, "-similarity")
        return queryset.order_by(*order, "-published_at", "-id")
    condition = Q()
    title_hits = Value(0, output_field=IntegerField())
    vocabulary = search_vocabulary()
    for word in words:
        # A misspelt word also matches the listing words it is close to ("neclace" → "necklace").
        in_title, anywhere = Q(), Q()
        for spelling in search_word_spellings(word, vocabulary=vocabulary):
            in_title |= Q(title__icontains=spelling)
            anywhere |= (
                Q(title__icontains=spelling)
                | Q(brand__icontains=spelling)
                | Q(tags_text__icontains=spelling)
                | Q(description__icontains=spelling)
            )
        condition &= anywhere
        title_hits = title_hits + Case(When(in_title, then=1), default=0, output_field=IntegerField())
    return queryset.filter(condition).annotate(rank=title_hits).order_by("-rank", "-published_at", "-id")


def product_scope(*, category_ids: list[int] | None = None) -> QuerySet:
    """The visible products a listing page draws from, before the shopper's filters."""
    queryset = Product.objects.visible()
    if category_ids is not None:
        queryset = queryset.filter(category_id__in=category_ids)
    return queryset


def scope_brands(scope: QuerySet) -> list[str]:
    brands = scope.exclude(brand="").order_by("brand").values_list("brand", flat=True).distinct()
    return _unique_ignoring_case(brands)


SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"]


def scope_variant_attributes(scope: QuerySet) -> dict[str, list[str]]:
    """The colours and sizes the scope's variants come in, for the filter form."""
    pairs = (
        Variant.objects.filter(product__in=scope.order_by().values("pk"))
        .annotate(colour=KeyTextTransform("colour", "attributes"), size=KeyTextTransform("size", "attributes"))
        .filter(Q(colour__isnull=False) | Q(size__isnull=False))
        .order_by()
        .values_list("colour", "size")
        .distinct()
    )
    pairs = list(pairs)
    colours = _unique_ignoring_case(sorted(colour for colour, _ in pairs if colour))
    sizes = _unique_ignoring_case(size for _, size in pairs if size)
    return {"colour": colours, "size": sorted(sizes, key=_size_key)}


def scope_stores(scope: QuerySet) -> list[Store]:
    return list(
        Store.objects.filter(Exists(scope.filter(store=OuterRef("pk")).order_by())).only("slug", "name").order_by("name")
    )


def _unique_ignoring_case(values) -> list[str]:
    seen, unique = set(), []
    for value in values:
        key = str(value).strip().casefold()
        if key and key not in seen:
            seen.add(key)
            unique.append(str(value).strip())
    return unique


def _size_key(size: str):
    upper = size.upper()
    if upper in SIZE_ORDER:
        return (0, SIZE_ORDER.index(upper), "")
    try:
        return (1, float(size), "")
    except ValueError:
        return (2, 0, upper)


def product_list_for_cards(queryset: QuerySet, *, user) -> QuerySet:
    return with_favorite_flag(product_cards(queryset), user=user)


# Favorites -------------------------------------------------------------------------------


def _favorite_fields(favorites: QuerySet) -> dict:
    """What a favorites page shows of each favorite (``favorites``: the user's Favorite rows
    for the outer product or store), as annotations."""
    return {
        "favorited_at": favorites.values("created_at")[:1],
        "is_favorite": Value(True),
        "favorite_change": favorites.values("change")[:1],
        "favorite_price_before": favorites.values("price_before")[:1],
        "favorite_changed_at": favorites.values("changed_at")[:1],
    }


def favorite_products(*, user) -> list[Product]:
    """The user's favorite products that shoppers may still see, the latest first."""
    favorites = Favorite.objects.filter(user=user, product=OuterRef("pk"))
    queryset = (
        Product.objects.visible()
        .filter(Exists(favorites))
        .annotate(**_favorite_fields(favorites))
        .order_by("-favorited_at", "-id")
    )
    return list(product_cards(queryset))


def favorite_stores(*, user) -> list[Store]:
    favorites = Favorite.objects.filter(user=user, store=OuterRef("pk"))
    return list(
        Store.objects.filter(Exists(favorites))
        .select_related("area__parent")
        .annotate(**_favorite_fields(favorites))
        .order_by("-favorited_at", "-id")
    )


def product_get_favoritable(*, product_id) -> Product:
    pk = id_or_none(product_id)
    product = Product.objects.visible().filter(pk=pk).first() if pk else None
    if product is None:
        raise NotFound("No such product.")
    return product


def store_get_favoritable(*, store_id) -> Store:
    pk = id_or_none(store_id)
    store = Store.objects.filter(pk=pk).first() if pk else None
    if store is None:
        raise NotFound("No such store.")
    return store
