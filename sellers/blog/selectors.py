"""Reads for the store's blog pages: only the store's own posts, another store's is a 404."""

from django.db.models import QuerySet

from shop.blog.models import Post
from shop.core.errors import NotFound


def store_posts(*, store) -> QuerySet[Post]:
    """The store's posts, drafts first, then the newest published."""
    return Post.objects.filter(store=store).select_related("cover").order_by("status", "-published_at", "-updated_at")


def store_post_get(*, store, pk: int) -> Post:
    post = Post.objects.filter(pk=pk, store=store).first()
    if post is None:
        raise NotFound("No such post in your store.")
    return post
