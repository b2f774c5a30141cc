"""What the catalogue endpoints send: the product card, the product page with its variants
and what each has in stock, categories and stores. Prices are decimal strings in the
store's currency; pictures are absolute URLs of their renditions."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sellers.models import Store
from shop.catalog.models import Category, Product, ProductImage


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class StoreBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["slug", "name", "currency"]


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "parent", "position"]


class ProductCardSerializer(serializers.ModelSerializer):
    store = StoreBriefSerializer(read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    price_from = serializers.DecimalField(
        source="min_price", max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    currency = serializers.CharField(source="store.currency", read_only=True)
    picture = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    distance_km = serializers.FloatField(read_only=True, required=False, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "title",
            "kind",
            "listing_type",
            "condition",
            "store",
            "category",
            "price_from",
            "currency",
            "in_stock",
            "rating_avg",
            "rating_count",
            "picture",
            "web_url",
            "distance_km",
        ]

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_picture(self, product) -> str | None:
        images = getattr(product, "card_images", None)
        if images is None:
            images = list(product.images.all())[:1]
        return _absolute(self.context.get("request"), images[0].image.url(480)) if images else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, product) -> str:
        return _absolute(self.context.get("request"), reverse("catalog:product", args=[product.slug]))


class VariantSerializer(serializers.Serializer):
    """A variant as shoppers see it: whether it has stock, never how much (read-only: stock
    has one writer, shop.inventory)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    attributes = serializers.JSONField(read_only=True)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    compare_at_price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    on_sale = serializers.BooleanField(read_only=True)
    in_stock = serializers.SerializerMethodField()
    low_stock = serializers.BooleanField(source="is_low_stock", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)

    def get_in_stock(self, variant) -> bool:
        return variant.stock > 0


class PictureSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    cid = serializers.SerializerMethodField()
    variant = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ProductImage
        fields = ["url", "cid", "alt", "variant"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, picture) -> str:
        return _absolute(self.context.get("request"), picture.image.url())

    @extend_schema_field({"type": ["string", "null"]})
    def get_cid(self, picture) -> str | None:
        """The content ID of the file at ``url`` (what ``ipfs add`` gives it); null while being prepared."""
        return picture.image.rendition_cid() or None


class ProductSerializer(ProductCardSerializer):
    variants = VariantSerializer(many=True, read_only=True)
    pictures = PictureSerializer(source="images", many=True, read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta(ProductCardSerializer.Meta):
        fields = [f for f in ProductCardSerializer.Meta.fields if f != "distance_km"] + [
            "description",
            "brand",
            "returnable",
            "published_at",
            "tags",
            "variants",
            "pictures",
        ]


class StoreSerializer(serializers.ModelSerializer):
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    area = serializers.CharField(source="area_label", read_only=True)
    delivers = serializers.SerializerMethodField()
    hours = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    distance_km = serializers.FloatField(read_only=True, required=False, allow_null=True)

    class Meta:
        model = Store
        fields = [
            "slug",
            "name",
            "tagline",
            "description",
            "currency",
            "time_zone",
            "area",
            "latitude",
            "longitude",
            "categories",
            "delivers",
            "hours",
            "rating_avg",
            "rating_count",
            "web_url",
            "distance_km",
        ]

    @extend_schema_field(
        {"type": "array", "items": {"type": "string", "enum": ["local", "national", "international", "digital"]}}
    )
    def get_delivers(self, store) -> list[str]:
        return [
            scope for scope in ("local", "national", "international", "digital") if getattr(store, f"delivers_{scope}")
        ]

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "weekday": {"type": "integer"},
                    "opens": {"type": ["string", "null"]},
                    "closes": {"type": ["string", "null"]},
                    "closed": {"type": "boolean"},
                },
            },
        }
    )
    def get_hours(self, store) -> list[dict]:
        return [
            {
                "weekday": hours.weekday,
                "opens": hours.opens.isoformat("minutes") if hours.opens else None,
                "closes": hours.closes.isoformat("minutes") if hours.closes else None,
                "closed": hours.closed,
            }
            for hours in store.hours.all()
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, store) -> str:
        return _absolute(self.context.get("request"), reverse("stores:detail", args=[store.slug]))
