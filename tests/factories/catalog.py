"""Catalog factories: categories, products with variants, tags and (ready) pictures.

``ProductFactory()`` is an active, published listing with one in-stock variant, its
denormalised ``min_price``/``in_stock`` computed from the variants as the services do.
``ProductFactory(variants__price=Decimal("99"), variants__stock=0)`` sets the default
variant's fields; ``variants=3`` makes three such, ``variants=0`` none, and
``variants=[{"price": ...}, ...]`` exactly those. ``images=2`` attaches two ready
pictures; ``tags=["kikoi"]`` tags it.
"""

from decimal import Decimal

import factory
from django.utils import timezone
from django.utils.text import slugify

from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.media.models import StoredImage

from . import StoreFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    icon = "bi-tag"


class ReadyImageFactory(factory.django.DjangoModelFactory):
    """A processed picture whose renditions are named but not written: pages only build URLs."""

    class Meta:
        model = StoredImage

    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    original_name = factory.LazyAttribute(lambda o: f"images/originals/{o.sha256}.jpg")
    format = StoredImage.Format.JPEG
    width = 1200
    height = 900
    bytes = 50_000
    status = StoredImage.Status.READY
    renditions = factory.LazyAttribute(
        lambda o: {
            str(width): {
                "webp": f"images/renditions/{o.sha256}-{width}.webp",
                "jpeg": f"images/renditions/{o.sha256}-{width}.jpg",
                "width": width,
                "height": width * 3 // 4,
            }
            for width in (160, 480, 1200)
        }
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Product.Status.DRAFT, published_at=None)

    store = factory.SubFactory(StoreFactory)
    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.title)[:120]}-{n}")
    description = "A good thing, well made."
    status = Product.Status.ACTIVE
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def variants(product, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [{}]
        elif isinstance(extracted, int):
            extracted = [{} for _ in range(extracted)]
        for position, fields in enumerate(extracted):
            VariantFactory(product=product, position=position, **{**kwargs, **fields})
        if extracted:
            from shop.catalog.services.products import product_summary_refresh

            product_summary_refresh(product=product)

    @factory.post_generation
    def tags(product, create, extracted, **kwargs):
        if create and extracted:
            from shop.catalog.services.products import product_tags_set

            product_tags_set(product=product, names=list(extracted))

    @factory.post_generation
    def images(product, create, extracted, **kwargs):
        if create and extracted:
            for position in range(extracted):
                ProductImage.objects.create(product=product, image=ReadyImageFactory(), alt=product.title, position=position)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory, variants=0)
    name = factory.Sequence(lambda n: f"Option {n}")
    price = Decimal("250.00")
    stock = 10


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.SubFactory(ReadyImageFactory)
    alt = factory.LazyAttribute(lambda o: o.product.title)
