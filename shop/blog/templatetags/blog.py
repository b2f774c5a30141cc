"""``{% featured_posts %}`` for the home page and ``{% store_posts store %}`` for a store's
page: the post cards, or nothing when there are none."""

from django import template

from shop.blog.selectors.posts import excerpt_of, posts_featured, posts_of_store

register = template.Library()


@register.inclusion_tag("blog/_post_row.html")
def featured_posts():
    posts = posts_featured()
    return {"posts": [(post, excerpt_of(post)) for post in posts], "heading_id": "featured-posts", "featured": True}


@register.inclusion_tag("blog/_post_row.html")
def store_posts(store):
    posts = posts_of_store(store=store)
    return {"posts": [(post, excerpt_of(post)) for post in posts], "heading_id": "store-posts", "featured": False}


@register.filter
def post_excerpt(post):
    return excerpt_of(post)
