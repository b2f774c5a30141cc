"""A store's listings: the dashboard's product list, and a listing's details, variants,
stock and pictures changed through the product page's own ``ProductEditor`` and
``product_save``. Each change is the page saved with that one change: the same checks
(SKUs, prices in the store's currency, an auction's single unit, the picture limit and
the media pipeline's validation), the same review rule, and stock written only by
``shop.inventory`` against the figure the app showed."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from sellers.products.forms import ProductEditor
from sellers.products.selectors import (
    product_for_editing,
    product_get_for_member,
    product_image_get_for_member,
    store_products,
    variant_get_for_member,
)
from sellers.selectors import store_membership_get
from shop.catalog.models import Category, Product
from shop.catalog.services.products import product_save, products_bulk_set_status

from ...pagination import Cursor
from ...queries import TEXT
from ...serializers.fields import Text
from ...serializers.selling import (
    PictureUpload,
    ProductChange,
    ProductCreate,
    SellerProductCardSerializer,
    SellerProductSerializer,
    SellerVariantSerializer,
    StockChange,
    VariantChange,
    VariantInputSerializer,
    VariantStockSerializer,
)
from .base import SellerView
from .formdata import FormRefused, as_posted, as_shown, refuse

VARIANTS = "variants"  # the product page's formset prefix
VARIANT_FIELDS = (
    "name",
    "sku",
    "colour",
    "size",
    "price",
    "compare_at_price",
    "stock",
    "low_stock_threshold",
    "duration_minutes",
)
DETAIL_FIELDS = ("title", "description", "kind", "listing_type", "brand", "condition", "returnable")


def _product_answer(request, product: Product, status: int = 200) -> Response:
    product = product_for_editing(product=product)
    return Response(SellerProductSerializer(product, context={"request": request}).data, status=status)


def _shown(*, store, product: Product | None) -> tuple[Product | None, dict]:
    """The product page as it shows ``product`` (an empty page for a new one), as the
    page would post it back: details, every variant row with the stock it shows, pictures."""
    editing = product_for_editing(product=product) if product is not None else None
    page = ProductEditor(store=store, product=editing)
    data = as_shown(page.details)
    if editing is not None:
        data["tags"] = ", ".join(tag.name for tag in editing.tags.all())
    rows = page.variants.initial_forms
    for form in rows:
        data.update(as_shown(form))
    data.update(_management(len(rows), initial=len(rows)))
    data.update(as_shown(page.pictures))
    return editing, data


def _management(total: int, *, initial: int) -> dict:
    return {
        f"{VARIANTS}-TOTAL_FORMS": str(total),
        f"{VARIANTS}-INITIAL_FORMS": str(initial),
        f"{VARIANTS}-MIN_NUM_FORMS": "1",
        f"{VARIANTS}-MAX_NUM_FORMS": "1000",
    }


def _put_details(data: dict, changes: dict) -> None:
    for name in DETAIL_FIELDS:
        if name in changes:
            value = changes[name]
            if value is True:
                data[name] = "on"
            elif value is False:
                data.pop(name, None)
            else:
                data[name] = value
    if "category" in changes:
        category = Category.objects.filter(slug=changes["category"]).values_list("pk", flat=True).first()
        data["category"] = category if category is not None else changes["category"]
    if "tags" in changes:
        data["tags"] = ", ".join(changes["tags"])


def _put_variant(data: dict, index: int, values: dict) -> None:
    for name in VARIANT_FIELDS:
        if name in values:
            value = values[name]
            data[f"{VARIANTS}-{index}-{name}"] = "" if value is None else value


def _variant_row(data: dict, variant_id: int) -> int:
    total = int(data[f"{VARIANTS}-TOTAL_FORMS"])
    return next(index for index in range(total) if data.get(f"{VARIANTS}-{index}-id") == str(variant_id))


def _variant_errors(editor: ProductEditor) -> dict:
    errors = {}
    for index, form_errors in enumerate(editor.variants.errors):
        for name, messages in form_errors.items():
            errors[f"variants.{index}.{name}"] = messages
    if editor.variants.non_form_errors():
        errors["variants"] = editor.variants.non_form_errors()
    return errors


def _publish(product: Product | None, status: str | None) -> bool:
    """The page's two buttons: "Save draft" or "Submit" (publish). Without a word from the
    app, a draft stays a draft and anything else is saved as submitted, as it stands."""
    if status in ("draft", "submitted"):
        return status == "submitted"
    return product is not None and product.status != Product.Status.DRAFT


def _save(*, store, product: Product | None, editing: Product | None, data: dict, publish: bool, files=None) -> Product:
    """Bind the product page's forms to ``data`` and save them as the page does; the
    forms' and the service's refusals are a 409 with their words."""
    editor = ProductEditor(store=store, product=editing, data=as_posted(data), files=files)
    if not editor.is_valid():
        refuse(editor.details.errors, _variant_errors(editor), editor.pictures.errors, editor.errors)
    try:
        return product_save(store=store, product=product, publish=publish, **editor.save_kwargs())
    except DjangoValidationError as error:  # ProductInvalid: what the database state refuses
        refuse(error.messages)


def _status_set(*, store, product: Product, status: str) -> None:
    """The product list's archive and make-live-again, for one listing."""
    action = {"archived": "archive", "active": "activate"}[status]
    if product.status == status:
        return
    if not products_bulk_set_status(store=store, product_ids=[product.pk], action=action):
        reason = (
            _("Only live products can be archived.")
            if action == "archive"
            else _("Only archived products that staff approved can be made live again; submit the others for review.")
        )
        raise FormRefused({"status": [reason]})


QUERY_TEXT = {**TEXT, "maxLength": 100}


class ProductListQuery(serializers.Serializer):
    q = Text(required=False, allow_blank=True, max_length=100)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("q", QUERY_TEXT, description="Words of the title, or a SKU."),
        OpenApiParameter("status", str, enum=Product.Status.values, description="Only listings in this status."),
    ]
)
class StoreProductList(SellerView, generics.ListAPIView):
    """The store's listings as the dashboard lists them, the latest changed first, with
    their stock, price range and low-stock and sold-out counts."""

    serializer_class = SellerProductCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        store = store_membership_get(user=self.request.user, slug=self.kwargs["slug"]).store
        params = {key: value for key, value in self.request.query_params.items() if key != Cursor.cursor_query_param}
        query = ProductListQuery(data=params)
        query.is_valid(raise_exception=True)
        return store_products(
            store=store, query=query.validated_data.get("q", ""), status=query.validated_data.get("status", "")
        ).select_related("store")

    @extend_schema(request=ProductCreate, responses={201: SellerProductSerializer})
    def post(self, request, slug: str):
        """A new listing with its variants, saved as the new-product page saves it: to
        review (or live, for a store whose listings skip review) or as a draft."""
        store = store_membership_get(user=request.user, slug=slug).store
        asked = ProductCreate(data=request.data)
        asked.is_valid(raise_exception=True)
        wanted = asked.validated_data
        _editing, data = _shown(store=store, product=None)
        _put_details(data, wanted)
        for index, row in enumerate(wanted["variants"]):
            _put_variant(data, index, row)
        data.update(_management(len(wanted["variants"]), initial=0))
        product = _save(store=store, product=None, editing=None, data=data, publish=wanted["status"] == "submitted")
        return _product_answer(request, product, status=201)


class ProductDetail(SellerView):
    @extend_schema(responses=SellerProductSerializer)
    def get(self, request, pk: int):
        """A listing of one of the person's stores, as its edit page shows it."""
        return _product_answer(request, product_get_for_member(user=request.user, pk=pk))

    @extend_schema(request=ProductChange, responses=SellerProductSerializer)
    def patch(self, request, pk: int):
        """Change a listing's details, or its status (see ``status``)."""
        product = product_get_for_member(user=request.user, pk=pk)
        asked = ProductChange(data=request.data)
        asked.is_valid(raise_exception=True)
        changes = asked.validated_data
        status = changes.get("status")
        details = {name: value for name, value in changes.items() if name != "status"}
        if details or status in ("draft", "submitted"):
            editing, data = _shown(store=product.store, product=product)
            _put_details(data, details)
            product = _save(
                store=product.store, product=product, editing=editing, data=data, publish=_publish(product, status)
            )
        if status in ("archived", "active"):
            _status_set(store=product.store, product=product, status=status)
        return _product_answer(request, product)


class VariantCreate(SellerView):
    @extend_schema(request=VariantInputSerializer, responses={201: SellerProductSerializer})
    def post(self, request, pk: int):
        """Add a variant to a listing, as a new row of its page's variants."""
        product = product_get_for_member(user=request.user, pk=pk)
        asked = VariantInputSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        editing, data = _shown(store=product.store, product=product)
        existing = int(data[f"{VARIANTS}-TOTAL_FORMS"])
        _put_variant(data, existing, asked.validated_data)
        data.update(_management(existing + 1, initial=existing))
        product = _save(
            store=product.store, product=product, editing=editing, data=data, publish=_publish(product, None)
        )
        return _product_answer(request, product, status=201)


def _variant_save(request, variant, values: dict):
    product = variant.product
    editing, data = _shown(store=product.store, product=product)
    _put_variant(data, _variant_row(data, variant.pk), values)
    _save(store=product.store, product=product, editing=editing, data=data, publish=_publish(product, None))
    variant.refresh_from_db()
    return variant


class VariantDetail(SellerView):
    @extend_schema(request=VariantChange, responses=SellerVariantSerializer)
    def patch(self, request, pk: int):
        """Change a variant's name, SKU, price or sale ("compare-at") price."""
        variant = variant_get_for_member(user=request.user, pk=pk)
        asked = VariantChange(data=request.data)
        asked.is_valid(raise_exception=True)
        variant = _variant_save(request, variant, asked.validated_data)
        return Response(SellerVariantSerializer(variant).data)


class VariantStock(SellerView):
    @extend_schema(request=StockChange, responses=VariantStockSerializer)
    def post(self, request, pk: int):
        """Set the units a variant has (``set``, against ``seen``, the figure the app
        showed: a figure that moved since is refused with ``stock_changed_meanwhile``),
        or add or take off units (``adjust``). The product page's stock field, saved."""
        variant = variant_get_for_member(user=request.user, pk=pk)
        asked = StockChange(data=request.data)
        asked.is_valid(raise_exception=True)
        if asked.refusal():
            raise FormRefused(asked.refusal())
        wanted = asked.validated_data
        if "adjust" in wanted:
            stock, seen = variant.stock + wanted["adjust"], variant.stock
        else:
            stock, seen = wanted["set"], wanted["seen"]
        product = variant.product
        editing, data = _shown(store=product.store, product=product)
        row = _variant_row(data, variant.pk)
        data[f"{VARIANTS}-{row}-stock"] = stock
        data[f"{VARIANTS}-{row}-stock_seen"] = seen
        _save(store=product.store, product=product, editing=editing, data=data, publish=_publish(product, None))
        variant.refresh_from_db()
        variant.product.refresh_from_db(fields=["in_stock"])
        return Response({"variant": variant.pk, "stock": variant.stock, "in_stock": variant.product.in_stock})


class PictureCreate(SellerView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": PictureUpload}, responses={201: SellerProductSerializer})
    def post(self, request, pk: int):
        """Add pictures to a listing (``images``, one or more files: JPEG, PNG, WebP or
        GIF), checked and stored as the product page's upload does them."""
        product = product_get_for_member(user=request.user, pk=pk)
        files = MultiValueDict({"images": request.FILES.getlist("images")})
        if not files.getlist("images"):
            raise FormRefused({"images": [_("Choose at least one picture.")]})
        editing, data = _shown(store=product.store, product=product)
        product = _save(
            store=product.store,
            product=product,
            editing=editing,
            data=data,
            publish=_publish(product, None),
            files=files,
        )
        return _product_answer(request, product, status=201)


class PictureDetail(SellerView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Remove a picture from its listing."""
        picture = product_image_get_for_member(user=request.user, pk=pk)
        product = picture.product
        editing, data = _shown(store=product.store, product=product)
        data[f"remove_{picture.pk}"] = "on"
        _save(store=product.store, product=product, editing=editing, data=data, publish=_publish(product, None))
        return Response(status=204)
