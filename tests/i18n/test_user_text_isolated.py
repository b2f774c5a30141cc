"""Text people typed (a product's title, a store's name, a person's name, a message) is
isolated from the page around it on every page, so that on an Urdu page an English title
keeps its punctuation at its own end ("Kikoi wrap#", not "#Kikoi wrap"): every text node
holding such text sits in a ``<bdi>`` or in an element with ``dir="auto"``, and an element
that cuts such text alone to its width has ``dir="auto"``, so the cut falls at its end. The pages are the
ones the crawl of tests/world.py starts from, as each person who can see them."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from sellers.models import Store
from shop.catalog.models import Product
from shop.core.templatetags.text import bdi
from shop.orders.models import OrderItem
from tests.html import OpenElements, dom
from tests.world import world_build

TYPED = {"product": "Kikoi wrap#", "store": "Duka la Fuzz!", "person": "Amina Zq#"}
# Text in these is not laid out as part of the page (or holds no markup at all).
UNLAID = {"title", "script", "style", "option", "textarea", "template", "noscript"}


class Unisolated(OpenElements):
    """The typed texts found in a page outside any ``<bdi>`` or ``dir="auto"`` element."""

    def handle_data(self, data):
        typed = [text for text in TYPED.values() if text in data]
        if not typed or all(f"\u2068{text}\u2069" in data for text in typed):
            return  # none, or each between Unicode's isolates (a sentence built in Python)
        tags = [tag for tag, _, _ in self.open]
        if set(tags) & UNLAID:
            return
        if not any(tag == "bdi" or attributes.get("dir") == "auto" for tag, attributes, _ in self.open):
            self.found.append(f"<{'><'.join(tags[-3:])}>{data.strip()[:60]}")


@pytest.mark.django_db
def test_text_people_typed_is_isolated_on_every_page_in_urdu():
    built = world_build(domain="bidi.test", language="ur")
    Product.objects.filter(pk=built["product"].pk).update(title=TYPED["product"])
    OrderItem.objects.update(product_title=TYPED["product"])  # what the orders kept of the listing
    Store.objects.filter(pk=built["store"].pk).update(name=TYPED["store"])
    get_user_model().objects.filter(email__endswith="@bidi.test").update(display_name=TYPED["person"])
    unisolated, seen, truncated = {}, 0, 0
    for role, user in built["users"].items():
        client = Client()
        client.force_login(user)
        for url in built["seeds"]:
            if url.startswith("/admin/"):
                continue  # Django's own admin pages
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            page = response.content.decode()
            assert 'lang="ur" dir="rtl"' in page, url
            parser = Unisolated()
            parser.feed(page)
            seen += sum(page.count(text) for text in TYPED.values())
            # Cut to its width with an ellipsis, typed text alone takes its own direction, or
            # an Urdu page cuts an English name at its start ("…oum Électronique").
            for element in dom(page).all(".text-truncate"):
                if element.text.strip() in TYPED.values():
                    truncated += 1
                    if element.attr("dir") != "auto":
                        parser.found.append(f"cut without dir=auto: {str(element.tag)[:120]}")
            if parser.found:
                unisolated[f"{role} {url}"] = parser.found
    assert seen > 50, "the typed texts were hardly shown: the walk checked nothing"
    assert truncated > 5, "no typed text was cut to its width: the walk checked none"
    assert not unisolated, "\n".join(f"{page}: {found}" for page, found in unisolated.items())


def test_isolated_text_is_marked_with_its_language_where_its_script_tells():
    with translation.override("en"):
        assert bdi("چمڑے کا بیگ") == '<bdi lang="ur">چمڑے کا بیگ</bdi>'
        assert bdi("Leather bag!") == "<bdi>Leather bag!</bdi>"
        assert bdi("<b>") == "<bdi>&lt;b&gt;</bdi>"
        assert bdi("") == ""
    with translation.override("ur"):
        assert bdi("چمڑے کا بیگ") == "<bdi>چمڑے کا بیگ</bdi>"
        assert bdi("Leather bag!") == "<bdi>Leather bag!</bdi>"


@pytest.mark.django_db
def test_a_hashtag_is_isolated_whole_so_its_sign_stays_at_the_start_of_its_word(client):
    from tests.factories import StoreFactory
    from tests.factories.catalog import ProductFactory

    store = StoreFactory(tags="sisal, کھسہ")
    product = ProductFactory(store=store, tags=["sisal"])
    client.cookies["soko_language"] = "ur"
    product_page = client.get(f"/p/{product.slug}/").content.decode()
    store_page = client.get(f"/s/{store.slug}/").content.decode()

    assert "<bdi>#sisal</bdi>" in product_page
    assert "<bdi>#sisal</bdi>" in store_page
    assert "<bdi>#کھسہ</bdi>" in store_page  # Urdu on an Urdu page: no lang of its own
    assert "#<bdi>" not in product_page + store_page
