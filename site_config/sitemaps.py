"""``/sitemap.xml`` (an index of sections) and ``/robots.txt``.

Every public page is listed once per language, each entry naming its other languages'
addresses (``?lang=``, see shop.core.selectors.seo). Only what a shopper may see is listed: visible
products (not drafts, not waiting for review, not hidden by Soko), stores, categories, and
auctions taking bids or about to, and published blog posts. Each section page is one query, whatever its size;
Django splits a section into pages of 50,000 addresses.
"""

from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from sellers.models import Store
from shop.auctions.models import Auction
from shop.blog.models import Post
from shop.catalog.models import Category, Product
from shop.core.selectors.seo import language_url

# Areas a search engine has no business in: accounts, money, private pages, actions.
PRIVATE_PATHS = (
    "/accounts/", "/account/", "/admin/", "/auctions/mine/", "/cart/", "/checkout/", "/complaints/", "/courier/",
    "/dashboard/", "/favorites/", "/jsi18n/", "/messages/", "/notifications/", "/orders/", "/payments/",
    "/points/", "/preferences/", "/report/", "/reports/", "/returns/", "/reviews/", "/search/", "/ws/",
)


class LanguageSitemap(Sitemap):
    """Each item once per language, with the others as alternates."""

    i18n = True
    alternates = True

    def location(self, item):
        return language_url(self.path(item), get_language())

    def path(self, item) -> str:
        raise NotImplementedError


class ProductSitemap(LanguageSitemap):
    changefreq = "daily"

    def items(self):
        return Product.objects.visible().only("slug", "updated_at").order_by("pk")

    def path(self, product):
        return reverse("catalog:product", args=[product.slug])

    def lastmod(self, product):
        return product.updated_at


class StoreSitemap(LanguageSitemap):
    changefreq = "weekly"

    def items(self):
        return Store.objects.only("slug", "updated_at").order_by("pk")

    def path(self, store):
        return reverse("stores:detail", args=[store.slug])

    def lastmod(self, store):
        return store.updated_at


class CategorySitemap(LanguageSitemap):
    changefreq = "daily"

    def items(self):
        return Category.objects.only("slug").order_by("pk")

    def path(self, category):
        return reverse("catalog:category", args=[category.slug])


class AuctionSitemap(LanguageSitemap):
    changefreq = "hourly"

    def items(self):
        return (
            Auction.objects.filter(
                status__in=(Auction.Status.SCHEDULED, Auction.Status.LIVE),
                product__status__in=Product.VISIBLE_STATUSES,
            )
            .only("pk", "updated_at")
            .order_by("pk")
        )

    def path(self, auction):
        return reverse("auctions:detail", args=[auction.pk])

    def lastmod(self, auction):
        return auction.updated_at


class PostSitemap(LanguageSitemap):
    changefreq = "weekly"

    def items(self):
        return Post.objects.published().only("slug", "updated_at").order_by("pk")

    def path(self, post):
        return reverse("blog:detail", args=[post.slug])

    def lastmod(self, post):
        return post.updated_at


SITEMAPS = {
    "products": ProductSitemap,
    "stores": StoreSitemap,
    "categories": CategorySitemap,
    "auctions": AuctionSitemap,
    "blog": PostSitemap,
}


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS), "Allow: /", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap_index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
