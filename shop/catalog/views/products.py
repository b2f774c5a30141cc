import uuid
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.catalog.selectors.filters import ProductFilter
from shop.catalog.selectors.hearts import heart_html
from shop.catalog.selectors.products import (
    category_tree,
    favorite_products,
    favorite_stores,
    pictures_for_variant,
    product_get_favoritable,
    product_get_visible,
    product_list_for_cards,
    product_scope,
    related_products,
    store_get_favoritable,
    variant_choose,
)
from shop.catalog.services.activity import VIEW, product_activity_count
from shop.catalog.services.page_cache import anonymous_page_cache
from shop.catalog.services.products import favorite_toggle
from shop.catalog.services.stamp import catalog_stamp, category_page_key, product_page_key
from shop.core.htmx import render_page, wants_fragment
from shop.core.pagination import RankedPagePaginator
from shop.core.redirects import safe_next_url


@anonymous_page_cache(keyed_by=category_page_key)
def category(request, slug):
    tree = category_tree(stamp=catalog_stamp(request))
    current = tree.by_slug.get(slug)
    if current is None:
        raise Http404(_("No such category."))
    scope = product_scope(category_ids=tree.descendant_ids(current))
    return _product_list(request, tree=tree, scope=scope, category=current)


@anonymous_page_cache
def search(request):
    tree = category_tree(stamp=catalog_stamp(request))
    return _product_list(request, tree=tree, scope=product_scope(), category=None)


def _product_list(request, *, tree, scope, category):
    filterset = ProductFilter(
        request.GET,
        queryset=scope,
        tree=tree,
        root_category=category,
        facet_cache_key=f"catalog:facets:{category.pk if category else 'all'}:{catalog_stamp(request)}",
    )
    products = product_list_for_cards(filterset.qs, user=request.user)
    paginator = RankedPagePaginator(products, settings.SOKO_CATALOG_PAGE_SIZE, exact_below=settings.SOKO_CATALOG_EXACT_COUNT_BELOW)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "category": category,
        "ancestors": tree.ancestors(category) if category else [],
        "subcategories": tree.children.get(category.pk, []) if category else tree.top_level,
        "query": (filterset.form.cleaned_data.get("q") or "").strip(),
        "location": filterset.location,
        "action": request.path,
    }
    return render_page(request, "catalog/list.html", context, fragment="results")


def counted_as_product_view(view):
    """Counts every whole product page shown, from the page cache or not (the buy box that
    htmx swaps for another variant is not a new view). The count goes to the cache only."""

    @wraps(view)
    def counted(request, slug, **kwargs):
        response = view(request, slug, **kwargs)
        if request.method == "GET" and response.status_code == 200 and not wants_fragment(request):
            product_activity_count(slug=slug, kind=VIEW)
        return response

    return counted


@counted_as_product_view
@anonymous_page_cache(keyed_by=product_page_key)
def product_detail(request, slug):
    product = product_get_visible(slug=slug, user=request.user)
    variant = variant_choose(product=product, variant_id=request.GET.get("variant"))
    # A new key per rendered "Add to cart" form: the same click sent twice adds once.
    context = {
        "product": product,
        "variant": variant,
        "images": pictures_for_variant(product.images.all(), variant),
        "cart_add_url": reverse("cart:add"),
        "click_key": uuid.uuid4(),
    }
    if wants_fragment(request):
        context["gallery_oob"] = True  # the picked variant's pictures come first
    else:
        context["related"] = related_products(product=product, user=request.user, stamp=catalog_stamp(request))
        context["ancestors"] = [product.category.parent] if product.category.parent_id else []
    return render_page(request, "catalog/product.html", context, fragment="buy-box")


@require_POST
def favorite_toggle_view(request):
    next_url = _safe_next(request)
    if not request.user.is_authenticated:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{reverse(settings.LOGIN_URL)}?next={quote(next_url, safe='/')}"
            return response
        return redirect_to_login(next_url)
    if request.POST.get("store"):
        target = store_get_favoritable(store_id=request.POST["store"])
        is_favorite = favorite_toggle(user=request.user, store=target)
    else:
        target = product_get_favoritable(product_id=request.POST.get("product"))
        is_favorite = favorite_toggle(user=request.user, product=target)
    if request.htmx:
        size = request.POST.get("size", "")
        html = heart_html(target=target, is_favorite=is_favorite, next_url=next_url, csrf_token=get_token(request), size=size if size == "lg" else "")
        return HttpResponse(html)
    return redirect(next_url)


def _safe_next(request) -> str:
    """Where to go back to: the posted ``next``, else the page the form was on, if it is ours."""
    return safe_next_url(
        request,
        candidates=(request.POST.get("next"), request.headers.get("HX-Current-URL"), request.headers.get("Referer")),
        default=reverse("catalog:favorites"),
    )


@login_required
def favorites(request):
    context = {"products": favorite_products(user=request.user), "stores": favorite_stores(user=request.user)}
    return render(request, "catalog/favorites.html", context)

