"""Demo blog posts for `manage.py seed_demo`, through the blog's services: two published
posts of a demo store showing its products (one featured on the home page by the demo
staff account) and a draft only the store's team sees.

Idempotent: when the store has any post, nothing is done.
"""

from django.contrib.auth import get_user_model

from sellers.models import Store
from shop.blog.models import Post
from shop.blog.services import PostInput, post_feature, post_publish, post_save
from shop.catalog.models import Product

STORE = "mama-njeri-crafts"

POSTS = (
    (
        "How a kiondo basket is woven",
        "<p>Every kiondo starts as sisal leaves, dried in the sun and twisted into twine by hand.</p>"
        "<h2>Three days for one basket</h2><p>Our weavers in Kitui dye the twine, then weave from the base up. "
        "A medium basket takes about three days.</p><blockquote>Each one is a little different, and that is the point.</blockquote>",
        ("Kiondo sisal basket", "Kikoi beach wrap"),
        True,
    ),
    (
        "New this month: beaded sandals",
        "Our beaded leather sandals are back in every size from 38 to 43.\n\nCome and try them at the stall in Westlands.",
        ("Beaded leather sandals", "Maasai beaded necklace"),
        False,
    ),
)
DRAFT = ("Soapstone from Tabaka (draft)", "Notes for a post about the carvers of Tabaka.", ("Soapstone elephant carving",))


def seed_blog() -> dict:
    store = Store.objects.filter(slug=STORE).first()
    if store is None or Post.objects.filter(store=store).exists():
        return {"new_posts": 0}
    owner = store.memberships.order_by("pk").first().user
    staff = get_user_model().objects.filter(email="admin@soko.test").first()
    for title, body, titles, featured in POSTS:
        post = post_publish(post=_write(store, owner, title, body, titles))
        if featured:
            post_feature(post=post, on=True, actor=staff)
    _write(store, owner, *DRAFT)
    return {"new_posts": len(POSTS) + 1}


def _write(store, owner, title: str, body: str, titles) -> Post:
    products = list(Product.objects.filter(store=store, title__in=titles))
    return post_save(store=store, user=owner, data=PostInput(title=title, body=body, products=products))
