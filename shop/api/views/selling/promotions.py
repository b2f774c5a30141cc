"""A store's promotions, as its promotions page runs them: sales (a percentage or an
amount off chosen products or a category, for a time) made through ``SaleForm`` and
``sale_create``, and promo codes shoppers type at checkout, made through
``PromoCodeForm`` and ``promo_code_create``. The forms' and services' refusals are a 409
with their words."""

from datetime import datetime

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.response import Response

from sellers.promotions.forms import PromoCodeForm, SaleForm
from sellers.promotions.selectors import store_sales
from sellers.selectors import store_membership_get
from shop.catalog.models import Category
from shop.promotions.services.codes import PromoRefused, promo_code_create, promo_codes_for_store
from shop.promotions.services.sales import SaleInvalid, sale_create

from ...serializers.selling import PromoCodeRequest, SaleRequest, StorePromoCodeSerializer, StoreSaleSerializer
from .base import SellerView
from .formdata import as_posted, refuse

SALES = inline_serializer(
    "StoreSales", {"current": StoreSaleSerializer(many=True), "past": StoreSaleSerializer(many=True)}
)


def _form_values(values: dict) -> dict:
    """Serializer values as a browser posts them: times in ISO 8601, nothing for null."""
    posted = {}
    for name, value in values.items():
        if value is None or value is False:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        posted[name] = "on" if value is True else value
    return posted


def _sales_answer(store) -> Response:
    current, past = store_sales(store=store)
    return Response(
        {"current": StoreSaleSerializer(current, many=True).data, "past": StoreSaleSerializer(past, many=True).data}
    )


class Sales(SellerView):
    @extend_schema(responses=SALES)
    def get(self, request, slug: str):
        """The store's running and scheduled sales (the soonest first) and its latest
        past ones."""
        return _sales_answer(store_membership_get(user=request.user, slug=slug).store)

    @extend_schema(request=SaleRequest, responses={201: StoreSaleSerializer})
    def post(self, request, slug: str):
        """Schedule a sale: the prices change by themselves when it starts and ends."""
        store = store_membership_get(user=request.user, slug=slug).store
        asked = SaleRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        values = dict(asked.validated_data)
        if "category" in values:
            category = Category.objects.filter(slug=values["category"]).values_list("pk", flat=True).first()
            values["category"] = category if category is not None else values["category"]
        form = SaleForm(as_posted(_form_values(values)), store=store)
        if not form.is_valid():
            refuse(form.errors)
        try:
            sale = sale_create(store=store, user=request.user, data=form.sale_input())
        except SaleInvalid as error:
            refuse(error.problems)
        return Response(StoreSaleSerializer(sale).data, status=201)


class PromoCodes(SellerView):
    @extend_schema(responses=StorePromoCodeSerializer(many=True))
    def get(self, request, slug: str):
        """The store's promo codes, as its promotions page lists them."""
        store = store_membership_get(user=request.user, slug=slug).store
        return Response(StorePromoCodeSerializer(promo_codes_for_store(store=store), many=True).data)

    @extend_schema(request=PromoCodeRequest, responses={201: StorePromoCodeSerializer})
    def post(self, request, slug: str):
        """Make a promo code shoppers can type at checkout, in the store's currency."""
        store = store_membership_get(user=request.user, slug=slug).store
        asked = PromoCodeRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        posted = {f"code-{name}": value for name, value in _form_values(asked.validated_data).items()}
        form = PromoCodeForm(as_posted(posted), store=store)
        if not form.is_valid():
            refuse({name.removeprefix("code-"): messages for name, messages in form.errors.items()})
        try:
            made = promo_code_create(store=store, user=request.user, fields=form.model_fields())
        except PromoRefused as error:
            refuse([str(error)])
        return Response(StorePromoCodeSerializer(made).data, status=201)
