"""Writing store blog posts: the body is sanitised when saved, so pages print it as it is.

A body with no tags at all ("<3" is no tag) is plain text typed in the form: its blank lines make
paragraphs. In a body with tags (typed, or put in by the editor's toolbar) blank lines still make
paragraphs of the text between block tags. Any body keeps only ``ALLOWED_TAGS`` (``nh3``, an allow-list: scripts,
styles, event attributes and ``javascript:`` links never survive), and every link gets
``rel="nofollow noopener ugc"``.
"""

import re
import secrets
from dataclasses import dataclass, field

import nh3
from django.db import transaction
from django.utils import timezone
from django.utils.html import linebreaks, strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from shop.catalog.models import Product
from shop.core.signals import staff_acted
from shop.media.services.images import image_store

from .models import Post

ALLOWED_TAGS = {"p", "h2", "h3", "strong", "em", "a", "ul", "ol", "li", "blockquote", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
TAG = re.compile(r"<[a-zA-Z/!]")
BLOCK_START = re.compile(r"<(p|h2|h3|ul|ol|li|blockquote)[\s>]", re.IGNORECASE)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


class PostInvalid(Exception):
    """The post cannot be saved as asked; the message says why."""


@dataclass
class PostInput:
    title: str
    body: str
    excerpt: str = ""
    products: list = field(default_factory=list)
    cover_upload: object = None
    remove_cover: bool = False


def body_clean(text: str) -> str:
    text = (text or "").strip()
    if not TAG.search(text):
        return linebreaks(text, autoescape=True)
    return nh3.clean(
        _paragraphs(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="nofollow noopener ugc"
    ).strip()


def _paragraphs(text: str) -> str:
    """Each run of text between blank lines that does not open a block of its own becomes a
    paragraph, its single line breaks ``<br>``; nh3 then parses and cleans the whole."""
    chunks = (chunk.strip() for chunk in PARAGRAPH_BREAK.split(text.replace("\r\n", "\n")))
    return "\n\n".join(
        chunk if BLOCK_START.match(chunk) else "<p>{}</p>".format(chunk.replace("\n", "<br>\n")) for chunk in chunks if chunk
    )


def post_save(*, store, user, data: PostInput, post: Post | None = None) -> Post:
    """Create (``post`` empty) or change a store's post from ``data``."""
    body = body_clean(data.body)
    if not strip_tags(body).strip():
        raise PostInvalid(_("Write something in the post."))
    foreign = [product for product in data.products if product.store_id != store.pk]
    if foreign:
        raise PostInvalid(_("A post shows this store's own products only."))
    with transaction.atomic():
        if post is None:
            post = Post(store=store, author=user, slug=_slug_new(data.title))
        post.title = data.title.strip()[:140]
        post.excerpt = " ".join(data.excerpt.split())[:300]
        post.body = body
        if data.cover_upload is not None:
            post.cover = image_store(upload=data.cover_upload)
        elif data.remove_cover:
            post.cover = None
        post.save()
        post.products.set(data.products)
    return post


def post_publish(*, post: Post) -> Post:
    """Publish a draft now; a post published before keeps its first date."""
    if post.status != Post.Status.PUBLISHED:
        post.status = Post.Status.PUBLISHED
        post.published_at = post.published_at or timezone.now()
        post.save(update_fields=["status", "published_at", "updated_at"])
    return post


def post_unpublish(*, post: Post, actor=None) -> Post:
    """Back to a draft: no longer shown, nor featured. Staff (``actor``) doing it is logged."""
    before = {"status": post.status, "featured": post.featured_at is not None}
    post.status = Post.Status.DRAFT
    post.featured_at = None
    post.save(update_fields=["status", "featured_at", "updated_at"])
    if actor is not None:
        staff_acted.send(
            sender=Post, actor=actor, action="post_unpublished", target=post, before=before, after={"status": post.status, "featured": False}
        )
    return post


def post_delete(*, post: Post) -> None:
    post.delete()


def post_feature(*, post: Post, on: bool, actor=None) -> bool:
    """Staff (``actor``) put a published post on the home page (``on``) or take it off, once
    each, logged; ``False`` when nothing changed (a draft, or already so)."""
    if (on and post.status != Post.Status.PUBLISHED) or on == (post.featured_at is not None):
        return False
    post.featured_at = timezone.now() if on else None
    post.save(update_fields=["featured_at", "updated_at"])
    staff_acted.send(
        sender=Post, actor=actor, action="post_featured" if on else "post_unfeatured", target=post,
        before={"featured": not on}, after={"featured": on},
    )
    return True



def _slug_new(title: str) -> str:
    base = slugify(title)[:140] or "post"
    slug = base
    while Post.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def products_of(store, ids) -> list[Product]:
    """The store's products among ``ids`` (others are ignored)."""
    return list(Product.objects.filter(store=store, pk__in=list(ids)))
