"""The demo catalog that `make run` shows: varied, located, with pictures, and seeded once."""

import pytest
from django.db.models import Count, Q

from sellers.models import Store
from shop.catalog.models import Product, ProductImage, Tag, Variant
from shop.demo.services.catalog import seed_catalog
from shop.media.models import StoredImage

pytestmark = pytest.mark.django_db

MODELS = [Store, Product, Variant, ProductImage, StoredImage, Tag]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_catalog_is_rich_enough_to_try_every_filter_and_seeds_only_once(demo):
    before = counts()
    again = seed_catalog()

    assert counts() == before and again["new_products"] == 0

    live = Product.objects.visible()
    assert live.count() >= 60
    assert live.values("store").distinct().count() == 7
    assert live.values("category__parent").distinct().count() == 10  # every top-level category
    assert not live.annotate(n=Count("variants")).filter(Q(n=0) | Q(n__gt=6)).exists()
    assert not live.filter(images__isnull=True).exists()
    # Each colour's picture is that colour's: picking "Blue" shows the blue basket.
    blue = ProductImage.objects.get(product__slug="kiondo-sisal-basket", alt__endswith="blue")
    assert blue.variant.attributes["colour"] == "blue"
    assert not StoredImage.objects.exclude(status=StoredImage.Status.READY).exists()
    assert Store.objects.filter(latitude__isnull=False).count() == 7
    # Each store prices in its country's currency (whole francs in Guinea), and some listings
    # carry names in the shops' own languages.
    currencies = dict(Store.objects.values_list("slug", "currency"))
    assert (currencies["mama-njeri-crafts"], currencies["kaloum-electronique"], currencies["anarkali-karigar"]) == ("KES", "GNF", "PKR")
    assert all(price == price.to_integral_value() for price in Variant.objects.filter(product__store__currency="GNF").values_list("price", flat=True))
    titles = set(live.values_list("title", flat=True))
    assert {"Savon noir au karité", "Asali safi ya nyuki, 500 g", "ملتانی کھسہ"} <= titles
    for scope in ("delivers_national", "delivers_international", "delivers_digital"):
        assert Store.objects.filter(**{scope: True}).exists()

    variants = Variant.objects.filter(product__in=live)
    assert variants.filter(stock=0).exists()  # something to be sold out
    assert variants.filter(stock__gt=0, stock__lte=3).exists()  # "Only 2 left"
    assert variants.filter(compare_at_price__isnull=False).count() >= 5
    assert variants.filter(attributes__has_key="colour").exists() and variants.filter(attributes__has_key="size").exists()
    assert live.filter(kind=Product.Kind.SERVICE, variants__duration_minutes__isnull=False).exists()
    assert live.filter(featured=True).count() >= 8
    assert live.exclude(brand="").exists() and live.exclude(tags_text="").count() == live.count()
    assert live.filter(in_stock=False).exists() and live.filter(in_stock=True).count() > 50
    # The extra stores belong to the demo sellers, so their dashboards have them.
    assert Store.objects.get(slug="nyali-fresh-market").memberships.get().user.email == "seller@soko.test"
    assert Store.objects.get(slug="madina-mode").memberships.get().user.email == "seller2@soko.test"

