"""Favourite hearts in a page shared by every signed-in shopper.

A heart shows whether its reader saved the product or store, so in a page rendered to be
shared (``shop.core.page_parts.page_parts_mark``) each heart is wrapped in a marker naming
its target, and both of its states are kept beside the page. Serving the page to another
shopper puts in each heart's state for them, from one query of their favourites among the
page's targets.
"""

import re

from django.db.models import Q
from django.utils.html import format_html

from shop.catalog.models import Favorite, Product
from shop.catalog.selectors.hearts import heart_html
from shop.core.page_parts import page_parts_marking

HEART = re.compile(r"<!--soko:heart:((product|store):(\d+):([a-z]*))-->.*?<!--/soko:heart-->", re.DOTALL)


def heart_for_page(*, request, target, is_favorite: bool, next_url: str, csrf_token, size: str = "") -> str:
    """``heart_html`` for this request; marked, with both states kept, when the page is shared."""
    if not page_parts_marking(request):
        return heart_html(target=target, is_favorite=is_favorite, next_url=next_url, csrf_token=csrf_token, size=size)
    key = f"{'product' if isinstance(target, Product) else 'store'}:{target.pk}:{size}"
    states = request.__dict__.setdefault("_soko_hearts", {})
    if key not in states:
        states[key] = tuple(
            heart_html(target=target, is_favorite=state, next_url=next_url, csrf_token=csrf_token, size=size)
            for state in (False, True)
        )
    return format_html("<!--soko:heart:{}-->{}<!--/soko:heart-->", key, states[key][bool(is_favorite)])


def hearts_kept(request) -> dict[str, tuple[str, str]]:
    """The hearts of the page just rendered: key -> (not saved, saved)."""
    return getattr(request, "_soko_hearts", {})


def hearts_unmarked(html: str) -> str:
    return re.sub(r"<!--/?soko:heart(:[a-z0-9:]*)?-->", "", html)


def hearts_fill(html: str, *, hearts: dict[str, tuple[str, str]], user) -> str:
    """Each marked heart of ``html`` in its state for ``user``: one query."""
    found = HEART.findall(html)
    if not found:
        return html
    products = {int(pk) for _key, kind, pk, _size in found if kind == "product"}
    stores = {int(pk) for _key, kind, pk, _size in found if kind == "store"}
    saved = set()
    if user.is_authenticated:
        rows = Favorite.objects.filter(Q(product_id__in=products) | Q(store_id__in=stores), user=user)
        for product_id, store_id in rows.values_list("product_id", "store_id"):
            saved.add(f"product:{product_id}" if product_id else f"store:{store_id}")

    def state(match):
        key, kind, pk = match.group(1), match.group(2), match.group(3)
        return hearts[key][f"{kind}:{pk}" in saved]

    return HEART.sub(state, html)
