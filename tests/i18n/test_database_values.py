"""Words that come from the database and are shown to shoppers, in the reader's language:
category names (staff write them in each language in the admin), the colour words sellers
pick variants by, and the "Home" an address without a label of its own is called. That every
colour word has its translation is tests/i18n/test_catalogs.py's check."""

import pytest
from django.urls import reverse
from django.utils import translation

from shop.catalog.models import Category
from tests.factories import StoreFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

NAMES = {"en": "Zqhardware", "fr": "Zqquincaillerie", "sw": "Zqvifaa", "ur": "زیقاوزار"}
LANGUAGES = ["fr", "sw", "ur"]


def page(client, url: str, language: str) -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def shelf(db):
    """A category named in four languages, with a product of a store listed under it."""
    category = CategoryFactory(name=NAMES["en"], name_fr=NAMES["fr"], name_sw=NAMES["sw"], name_ur=NAMES["ur"])
    store = StoreFactory()
    store.categories.add(category)
    product = ProductFactory(store=store, category=category, variants=[{"attributes": {"colour": "red"}}, {"attributes": {"colour": "sisal"}}])
    return category, product


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shopper_page_naming_a_category_names_it_in_the_readers_language(client, shelf, language):
    category, product = shelf
    pages = {
        "home": reverse("catalog:home"),
        "category": reverse("catalog:category", args=[category.slug]),
        "product": reverse("catalog:product", args=[product.slug]),
        "store": reverse("stores:detail", args=[product.store.slug]),
        "search": reverse("catalog:search") + "?q=Product",
        "auctions": reverse("auctions:list"),
    }
    for name, url in pages.items():
        html = page(client, url, language)
        assert NAMES["en"] not in html, name
        if name != "search":  # the search page names categories only in its filter's options
            assert NAMES[language] in html, name


def test_the_sellers_own_lists_and_forms_name_categories_in_the_sellers_language(client, shelf):
    _, product = shelf
    client.force_login(product.store.memberships.get().user)
    for url in (reverse("sellers:products"), reverse("sellers:product_edit", args=[product.pk])):
        html = page(client, url, "sw")
        assert NAMES["sw"] in html and NAMES["en"] not in html, url


def test_a_category_not_yet_named_in_a_language_falls_back_to_its_english_name(client):
    category = CategoryFactory(name="Zqlanterns", name_fr="Zqlanternes")
    with translation.override("fr"):
        assert category.label == "Zqlanternes"
    with translation.override("sw"):
        assert category.label == "Zqlanterns"
    assert "Zqlanterns" in page(client, reverse("catalog:category", args=[category.slug]), "ur")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_starting_categories_are_named_in_every_language(language):
    unnamed = [category.name for category in Category.objects.all() if not getattr(category, f"name_{language}")]
    assert Category.objects.exists() and unnamed == []


@pytest.mark.parametrize(("language", "red"), [("en", "Red"), ("fr", "Rouge"), ("sw", "Nyekundu"), ("ur", "سرخ")])
def test_the_colour_filter_says_known_colours_in_the_readers_language_and_others_as_written(client, shelf, language, red):
    category, _ = shelf
    html = page(client, reverse("catalog:category", args=[category.slug]), language)
    assert f'<option value="red">{red}</option>' in html
    assert '<option value="sisal">Sisal</option>' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_address_without_a_label_is_home_in_the_readers_language(client, language):
    address = AddressFactory(label="")
    client.force_login(address.user)
    with translation.override(language):
        home = address.title
    assert home != "Home"
    for url in (reverse("accounts:addresses"), reverse("accounts:address_edit", args=[address.pk])):
        assert home in page(client, url, language), url


def test_stores_are_found_by_their_categorys_name_in_any_language(client, shelf):
    _, product = shelf
    for language, name in NAMES.items():
        html = page(client, reverse("stores:list") + f"?q={name}", language)
        assert product.store.name in html, language
