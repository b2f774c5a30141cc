"""What a post page tells search engines and link previews: schema.org ``BlogPosting``
(JSON-LD) and the preview picture."""

from django.urls import reverse

from shop.blog.models import Post
from shop.blog.selectors.posts import excerpt_of
from shop.core.selectors.seo import language_url

PREVIEW_WIDTH = 960


def post_preview_image(request, post: Post) -> str:
    return request.build_absolute_uri(post.cover.url(PREVIEW_WIDTH, "jpeg")) if post.cover else ""


def post_structured_data(*, request, post: Post, language: str) -> dict:
    url = request.build_absolute_uri(language_url(reverse("blog:detail", args=[post.slug]), language))
    store_url = request.build_absolute_uri(language_url(reverse("stores:detail", args=[post.store.slug]), language))
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title[:110],
        "description": excerpt_of(post),
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": language,
        "dateModified": post.updated_at.isoformat(),
        "author": {"@type": "Organization", "name": post.store.name, "url": store_url},
        "publisher": {"@type": "Organization", "name": post.store.name, "url": store_url},
    }
    if post.published_at:
        data["datePublished"] = post.published_at.isoformat()
    image = post_preview_image(request, post)
    if image:
        data["image"] = [image]
    return data
