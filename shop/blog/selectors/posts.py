from django.db.models import QuerySet
from django.utils.text import Truncator

from shop.blog.models import Post
from shop.catalog.models import Product
from shop.catalog.selectors.products import product_cards, with_favorite_flag
from shop.core.errors import NotFound
from shop.core.selectors.seo import text_from_html

EXCERPT_CHARS = 200


def posts_public() -> QuerySet[Post]:
    """Published posts, newest first, with what a post card shows."""
    return Post.objects.published().select_related("store", "cover").order_by("-published_at", "-pk")


def posts_featured(limit: int = 3) -> list[Post]:
    return list(posts_public().filter(featured_at__isnull=False).order_by("-featured_at")[:limit])


def posts_of_store(*, store, limit: int = 3) -> list[Post]:
    return list(posts_public().filter(store=store)[:limit])


def post_for_viewer(*, slug: str, user) -> Post:
    """A published post, or a draft for its store's members; ``NotFound`` otherwise."""
    post = Post.objects.select_related("store", "cover", "author").filter(slug=slug).first()
    if post is None:
        raise NotFound("No post has that address.")
    if not post.is_public and not (user.is_authenticated and post.store.members.filter(pk=user.pk).exists()):
        raise NotFound("No post has that address.")
    return post


def post_products(*, post: Post, user) -> QuerySet[Product]:
    """The post's products a shopper may see, as cards."""
    return with_favorite_flag(product_cards(Product.objects.visible().filter(pk__in=post.products.values("pk"))), user=user).order_by("pk")


def excerpt_of(post: Post) -> str:
    """The summary shown in lists and shared cards: the one written, else the start of the text."""
    if post.excerpt:
        return post.excerpt
    return Truncator(text_from_html(post.body)).chars(EXCERPT_CHARS)
