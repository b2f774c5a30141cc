"""Reads of the catalog. Every shopper-facing query starts from ``Product.objects.visible()``."""

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404

from .models import Favorite, Product, ProductImage, Variant


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def product_cards(queryset):
    """Everything a product card shows, in a fixed number of queries."""
    return queryset.select_related("store", "category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position", "id"))
    )


def with_favorite_flag(queryset, *, user):
    if not user.is_authenticated:
        return queryset
    return queryset.annotate(is_favorite=Exists(Favorite.objects.filter(user=user, product=OuterRef("pk"))))


def product_get_visible(*, slug: str, user) -> Product:
    """A product page: 404 for anything a shopper may not see."""
    queryset = with_favorite_flag(product_cards(Product.objects.visible()), user=user).prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("position", "id")), "tags"
    )
    try:
        return queryset.get(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.")


def product_search(queryset, *, query: str):
    """Full-text search on PostgreSQL (weighted title > tags/brand > description, ranked,
    with trigram similarity for typos); a plain substring match elsewhere."""
    query = query.strip()
    if not query:
        return queryset
    if _is_postgres():
        from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity

        from .search import product_search_vector

        search = SearchQuery(query, search_type="websearch", config="simple")
        vector = product_search_vector()
        # Both conditions can use an index: the GIN on the vector and the trigram GIN on title.
        return (
            queryset.annotate(search=vector)
            .filter(Q(search=search) | Q(title__trigram_word_similar=query))
            .annotate(rank=SearchRank(vector, search), similarity=TrigramWordSimilarity(query, "title"))
            .order_by("-rank", "-similarity", "-published_at")
        )
    words = [word for word in query.split() if word]
    condition = Q()
    for word in words:
        condition &= (
            Q(title__icontains=word) | Q(brand__icontains=word) | Q(description__icontains=word) | Q(tags__name__icontains=word)
        )
    return queryset.filter(condition).distinct()


def related_products(*, product: Product, limit: int = 4):
    return product_cards(
        Product.objects.visible().filter(category_id=product.category_id).exclude(pk=product.pk).order_by("-orders_count", "-published_at")
    )[:limit]
