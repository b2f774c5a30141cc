"""The home page: top-level categories, featured listings and new arrivals."""

from django.shortcuts import render

from shop.catalog.selectors.products import category_top_level, products_featured, products_new
from shop.catalog.services.page_cache import anonymous_page_cache


@anonymous_page_cache
def home(request):
    context = {
        "categories": category_top_level(),
        "featured": products_featured(user=request.user),
        "new_arrivals": products_new(user=request.user),
    }
    return render(request, "catalog/home.html", context)
