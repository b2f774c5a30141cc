"""Every amount of money a person types or sends (a buyer's bid, a seller's price or fee,
staff in the admin, an app through the API) is taken in its currency's minor unit or
refused with a sentence: never rounded behind their back, never stored where it could be
neither charged nor posted (``money_to_minor`` refuses GNF 30000.50). The rule is
``shop.core.selectors.currencies.money_is_valid_for``; its sentence,
``shop.core.selectors.money.money_units_problem``.

The inputs are found as far as code can find them: every Form class of the apps, every
form the admin builds for staff to edit, every request body of the API (its OpenAPI
document), and, listed by hand, the raw POST values pages read themselves. Each one found
is in exactly one list below, so a new money input fails here until someone says how it
is checked:

- ``SHARED``: checked with ``money_units_problem`` (forms tested here; the API's through
  the services, in tests/auctions/test_money_units.py and tests/chat/test_offer_money_units.py);
- ``OWN_COPY``: checked, with the same sentence, by a copy of the check in the form;
- ``GAPS``: known to take a finer fraction, to be fixed where they are (the reason says
  what happens then);
- ``FILTERS``: amounts a search compares prices with, never stored nor charged."""

import importlib
import pkgutil
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shop.core.selectors.money import money_units_problem
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("shop", "sellers", "couriers", "returns")
# Decimal inputs that are not money.
NOT_MONEY = {"latitude", "longitude", "lat", "lng"}
WHOLE_FRANCS = "Prices in GNF are whole numbers, without decimals."

SHARED = {
    # The offer form (its line prices are made in __init__: see EXPLICIT).
    "form:shop.chat.forms.OfferForm.delivery_fee": "shop.chat.forms.OfferForm.clean",
    "api:POST /api/v1/auctions/{id}/bids/ amount": "shop.auctions.services.bid_place",
    "api:POST /api/v1/auctions/{id}/bids/ maximum": "shop.auctions.services.bid_place",
    "api:POST /api/v1/conversations/{id}/offers/ lines[].unit_price": "shop.chat.services.offers.offer_make",
    "api:POST /api/v1/conversations/{id}/offers/ delivery_fee": "shop.chat.services.offers.offer_make",
    # AuctionCreateForm (below), then auction_create's terms_problems(currency=...).
    "api:POST /api/v1/auctions/ start_price": "shop.auctions.services.auction_create",
    "api:POST /api/v1/auctions/ reserve_price": "shop.auctions.services.auction_create",
    "api:POST /api/v1/auctions/ buy_now_price": "shop.auctions.services.auction_create",
    # Refused unless it is the buy-it-now price itself (price_changed), which fits.
    "api:POST /api/v1/auctions/{id}/buy-now/ price": "shop.auctions.services.buy_now",
    # Refused unless it is what the order comes to with its delivery (price_changed), which fits.
    "api:POST /api/v1/auctions/{id}/buy-now/ total": "shop.auctions.services.buy_now",
    **{f"form:sellers.auctions.forms.{form}.{name}": "sellers.auctions.forms.AuctionTermsForm._money"
       for form in ("AuctionTermsForm", "AuctionCreateForm", "AuctionRelistForm") for name in ("start_price", "reserve_price", "buy_now_price")},
    **{f"form:sellers.products.forms.VariantForm.{name}": "sellers.products.forms.VariantForm._whole_units"
       for name in ("price", "compare_at_price")},
    # The product page's ProductEditor with its VariantForms.
    "api:PATCH /api/v1/seller/variants/{id}/ price": "VariantForm",
    "api:PATCH /api/v1/seller/variants/{id}/ compare_at_price": "VariantForm",
    "api:POST /api/v1/seller/products/{id}/variants/ price": "VariantForm",
    "api:POST /api/v1/seller/products/{id}/variants/ compare_at_price": "VariantForm",
    "api:POST /api/v1/seller/stores/{slug}/products/ variants[].price": "VariantForm",
    "api:POST /api/v1/seller/stores/{slug}/products/ variants[].compare_at_price": "VariantForm",
    # An amount off (not a percentage) and a minimum order, in the store's currency.
    "form:sellers.promotions.forms.SaleForm.amount": "sellers.promotions.forms.SaleForm.clean",
    "form:sellers.promotions.forms.PromoCodeForm.amount": "sellers.promotions.forms.PromoCodeForm.clean",
    "form:sellers.promotions.forms.PromoCodeForm.min_order": "sellers.promotions.forms.PromoCodeForm.clean",
    "api:POST /api/v1/seller/stores/{slug}/promotions/ amount": "SaleForm",
    "api:POST /api/v1/seller/stores/{slug}/promo-codes/ amount": "PromoCodeForm",
    "api:POST /api/v1/seller/stores/{slug}/promo-codes/ min_order": "PromoCodeForm",
    # A CourierError (a 409 through the API, a message on the page): tests/couriers/test_bonus_money_units.py.
    "api:POST /api/v1/seller/orders/{number}/delivery/ bonus": "couriers.services._bonus",
    # The admin's forms, in the store's, the remittance's or the code's currency.
    **{f"form:shop.catalog.admin.VariantAdminForm.{name}": "shop.catalog.admin.VariantAdminForm.clean"
       for name in ("price", "compare_at_price")},
    **{f"admin:catalog.Product/VariantInline.{name}": "VariantAdminForm" for name in ("price", "compare_at_price")},
    **{f"form:couriers.admin.RemittanceAdminForm.{name}": "couriers.admin.RemittanceAdminForm.clean"
       for name in ("amount", "commission_kept")},
    **{f"admin:couriers.Remittance.{name}": "RemittanceAdminForm" for name in ("amount", "commission_kept")},
    **{f"form:shop.promotions.admin.PromoCodeAdminForm.{name}": "shop.promotions.admin.PromoCodeAdminForm.clean"
       for name in ("amount", "min_order")},
    **{f"admin:promotions.PromoCode.{name}": "PromoCodeAdminForm" for name in ("amount", "min_order")},
}
# Made by a form's __init__, out of reach of the walk: listed by hand.
EXPLICIT = {f"form:shop.chat.forms.OfferForm.price_{number}": "shop.chat.forms.OfferForm.clean" for number in range(5)}
# Raw POST values a page reads itself, out of reach of the walk: listed by hand.
RAW = {
    "shop/auctions/views.py bid amount": "SHARED: shop.auctions.services.bid_place",
    "couriers/views.py cash_confirm amount": "checked: couriers.services.cash_confirm_courier takes only the order's total",
    "sellers/orders/views.py courier bonus": "SHARED: couriers.services._bonus, as the API's bonus",
}

_TERMS = ("start_price", "reserve_price", "buy_now_price")
# None left: every form calls money_units_problem.
OWN_COPY: dict[str, str] = {}

FILTERS = {
    "api:GET /api/v1/products/ min_price": "shop.catalog.selectors.filters",
    "api:GET /api/v1/products/ max_price": "shop.catalog.selectors.filters",
}

# None left. (An order's discount, fee, platform and points discounts are read-only in the
# admin: the money of a placed order moves through its services and the ledger only.)
GAPS: dict[str, str] = {}


# --- Finding the inputs ----------------------------------------------------------------


def _import_the_apps() -> None:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            parts = module.name.split(".")
            if {"migrations", "management", "tests"} & set(parts) or parts[-1] in {"asgi", "wsgi"}:
                continue
            importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def is_money(name: str, field) -> bool:
    return isinstance(field, forms.DecimalField | forms.FloatField) and name not in NOT_MONEY


def form_inputs() -> set[str]:
    """Every money field a Form class of the apps declares."""
    _import_the_apps()
    found = set()
    for cls in set(_subclasses(forms.BaseForm)):
        if cls.__module__.split(".")[0] not in APPS:
            continue
        for name, field in getattr(cls, "base_fields", {}).items():
            if is_money(name, field):
                found.add(f"form:{cls.__module__}.{cls.__qualname__}.{name}")
    return found


def admin_inputs() -> set[str]:
    """Every money field staff may type into on an admin page (add or change)."""
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    found = set()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        for obj in (None, model()):
            if obj is None and not model_admin.has_add_permission(request):
                continue
            if obj is not None and not model_admin.has_change_permission(request, obj):
                continue
            for name, field in model_admin.get_form(request, obj).base_fields.items():
                if is_money(name, field):
                    found.add(f"admin:{label}.{name}")
            for inline in model_admin.get_inline_instances(request, obj):
                if not (inline.has_add_permission(request, obj) or inline.has_change_permission(request, obj)):
                    continue
                for name, field in inline.get_formset(request, obj).form.base_fields.items():
                    if is_money(name, field):
                        found.add(f"admin:{label}/{type(inline).__name__}.{name}")
    return found


def api_inputs() -> set[str]:
    """Every decimal or number an API request body or query takes, from the OpenAPI document."""
    with GENERATOR_STATS.silence():
        document = SchemaGenerator().get_schema(request=None, public=True)
    GENERATOR_STATS.reset()
    schemas = document["components"]["schemas"]

    def resolved(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def numbers(schema, at: str):
        schema = resolved(schema)
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key, []):
                yield from numbers(part, at)
        types = schema.get("type")
        types = set(types) if isinstance(types, list) else {types}
        if schema.get("format") == "decimal" or types & {"number"}:
            yield at
        for name, part in schema.get("properties", {}).items():
            yield from numbers(part, f"{at}.{name}" if at else name)
        if "items" in schema:
            yield from numbers(schema["items"], f"{at}[]")

    found = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            places = [content["schema"] for content in (operation.get("requestBody") or {}).get("content", {}).values()]
            places += [{"properties": {p["name"]: p.get("schema", {})}} for p in operation.get("parameters", [])]
            for schema in places:
                for at in numbers(schema, ""):
                    if at.rsplit(".", 1)[-1].removesuffix("[]") not in NOT_MONEY:
                        found.add(f"api:{method.upper()} {path} {at}")
    return found


def test_every_money_input_is_known_and_said_how_it_is_checked():
    found = form_inputs() | admin_inputs() | api_inputs()
    lists = (SHARED, OWN_COPY, GAPS, FILTERS)
    known = {key: how for listed in lists for key, how in listed.items()}
    assert len(known) == sum(len(listed) for listed in lists), "An input is in two lists."
    new = sorted(found - known.keys())
    assert new == [], (
        "A new input of money: check it with shop.core.selectors.money.money_units_problem (in the service, the form "
        f"showing its sentence) and add it to SHARED: {new}"
    )
    assert sorted(known.keys() - found) == [], "Listed here but no longer found: take it out of its list."


def test_the_walk_finds_the_inputs_it_is_meant_to():
    """The walk itself: it sees forms, the admin's forms and the API (else the test above proves nothing)."""
    found = form_inputs() | admin_inputs() | api_inputs()
    assert {
        "form:shop.chat.forms.OfferForm.delivery_fee",
        "admin:couriers.Remittance.amount",
        "api:POST /api/v1/auctions/{id}/bids/ amount",
        "api:POST /api/v1/conversations/{id}/offers/ lines[].unit_price",
    } <= found
    assert not any(key.rsplit(".", 1)[-1] in NOT_MONEY for key in found)


# --- The checked forms refuse a fraction finer than the currency ------------------------


def _offer(store, amount, *, number=None):
    """The offer form with a line at ``amount`` (line ``number``), else with a fee of it."""
    from shop.chat.forms import OfferForm
    from tests.factories.catalog import ProductFactory

    variant = ProductFactory(store=store, variants=[{"stock": 5, "price": "90000"}]).variants.get()
    line = 0 if number is None else number
    data = {f"variant_{line}": variant.pk, f"quantity_{line}": 1, f"price_{line}": "1000", "delivery_mode": "delivery",
            "delivery_fee": "0", "hours": 24}
    if number is None:
        return OfferForm({**data, "delivery_fee": amount}, store=store), "delivery_fee"
    return OfferForm({**data, f"price_{line}": amount}, store=store), f"price_{line}"


def _terms(store, amount, *, form, name):
    from sellers.auctions import forms as auction_forms
    from tests.factories.auctions import live_auction

    data = {"start_price": "1000", name: amount}
    if form == "AuctionTermsForm":
        return auction_forms.AuctionTermsForm(data, currency=store.currency), name
    if form == "AuctionCreateForm":
        return auction_forms.AuctionCreateForm(data, store=store), name
    return auction_forms.AuctionRelistForm(data, auction=live_auction(start_price="1000", store=store)), name


def _variant(store, amount, *, name):
    from sellers.products.forms import VariantForm

    form = VariantForm({"price": "1000", name: amount})
    form.currency = store.currency  # as the product page's formset sets it
    return form, name


def _variant_admin(store, amount, *, name):
    from shop.catalog.admin import VariantAdminForm

    form = VariantAdminForm({"name": "Default", "price": "1000", "stock_count": 0, "position": 0, name: amount})
    form.currency = store.currency  # as the product's inline formset sets it
    return form, name


def _remittance(store, amount, *, name):
    from couriers.admin import RemittanceAdminForm

    data = {"currency": store.currency, "amount": "1000", "commission_kept": "0", name: amount}
    return RemittanceAdminForm(data), name


def _promo_code_admin(store, amount, *, name):
    from shop.promotions.admin import PromoCodeAdminForm

    data = {"code": "WEEKEND", "kind": "fixed", "amount": "1000", "currency": store.currency, "min_order": "0", name: amount}
    return PromoCodeAdminForm(data), name


def _sale(store, amount):
    from sellers.promotions.forms import SaleForm

    return SaleForm({"name": "Weekend", "kind": "fixed", "amount": amount}, store=store), "amount"


def _promo_code(store, amount, *, name):
    from sellers.promotions.forms import PromoCodeForm

    data = {"code": "WEEKEND", "kind": "fixed", "amount": "1000", "min_order": "0", name: amount}
    return PromoCodeForm({f"code-{key}": value for key, value in data.items()}, store=store), name


# key: build(store, amount) -> (the bound form, the field whose errors say it; None: above the form)
BUILDERS = {
    "form:shop.chat.forms.OfferForm.delivery_fee": _offer,
    **{f"form:shop.chat.forms.OfferForm.price_{number}": partial(_offer, number=number) for number in range(5)},
    **{
        f"form:sellers.auctions.forms.{form}.{name}": partial(_terms, form=form, name=name)
        for form in ("AuctionTermsForm", "AuctionCreateForm", "AuctionRelistForm")
        for name in _TERMS
    },
    **{f"form:sellers.products.forms.VariantForm.{name}": partial(_variant, name=name) for name in ("price", "compare_at_price")},
    **{f"form:shop.catalog.admin.VariantAdminForm.{name}": partial(_variant_admin, name=name) for name in ("price", "compare_at_price")},
    **{f"form:couriers.admin.RemittanceAdminForm.{name}": partial(_remittance, name=name) for name in ("amount", "commission_kept")},
    **{f"form:shop.promotions.admin.PromoCodeAdminForm.{name}": partial(_promo_code_admin, name=name) for name in ("amount", "min_order")},
    "form:sellers.promotions.forms.SaleForm.amount": _sale,
    **{f"form:sellers.promotions.forms.PromoCodeForm.{name}": partial(_promo_code, name=name) for name in ("amount", "min_order")},
}


def test_every_checked_form_input_is_tried_below():
    forms_checked = {key for key in {**SHARED, **EXPLICIT, **OWN_COPY} if key.startswith("form:")}
    assert forms_checked == BUILDERS.keys()


@pytest.mark.parametrize("typed", ["90000.50", "90000.125"], ids=["cents", "beyond cents"])
@pytest.mark.parametrize("key", sorted(BUILDERS))
def test_a_checked_form_refuses_a_fraction_finer_than_the_currency_with_the_rules_sentence(key, typed):
    """Whatever the fraction, even one finer than the field stores (where Django's own
    "no more than 2 decimal places" would speak first), the rule's sentence says it."""
    store = StoreFactory(currency="GNF")
    sentence = money_units_problem(Decimal(typed), "GNF")
    assert sentence == WHOLE_FRANCS

    form, field = BUILDERS[key](store, typed)
    form.is_valid()
    assert sentence in (form.errors.get(field, []) if field else form.non_field_errors()), form.errors

    whole, field = BUILDERS[key](store, "90000")
    whole.is_valid()
    said = [str(error) for errors in whole.errors.values() for error in errors]
    assert sentence not in said, whole.errors


# --- One sentence ------------------------------------------------------------------------

# Forms that still write the rule's sentence themselves (OWN_COPY): each should call
# money_units_problem instead; taken out of here once it does.
SENTENCE_COPIES: set[str] = set()


def test_the_sentence_is_written_by_the_rule_alone():
    writers = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and "whole numbers, without decimals" in path.read_text(encoding="utf-8"):
                writers.add(path.relative_to(ROOT).as_posix())
    assert writers - SENTENCE_COPIES == {"shop/core/selectors/money.py"}
    assert writers >= SENTENCE_COPIES, "A copy is gone: take it out of SENTENCE_COPIES (and OWN_COPY)."
