"""The home page: top-level categories, featured listings and new arrivals."""

from django.shortcuts import render

from .page_cache import anonymous_page_cache
from .selectors import category_top_level, products_featured, products_new


@anonymous_page_cache
def home(request):
    context = {
        "categories": category_top_level(),
        "featured": products_featured(user=request.user),
        "new_arrivals": products_new(user=request.user),
    }
    return render(request, "catalog/home.html", context)
