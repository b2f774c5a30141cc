"""Shoppers keep products and stores they like: the heart toggles, /favorites/ lists them."""

import pytest

from shop.catalog.models import Favorite, Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def basket():
    return ProductFactory(title="Kiondo basket", slug="kiondo-basket")


def test_shopper_hearts_a_product_and_unhearts_it(client, user, basket):
    client.force_login(user)

    first = client.post("/favorites/toggle/", {"product": basket.pk, "next": "/p/kiondo-basket/"})
    assert first.status_code == 302 and first["Location"] == "/p/kiondo-basket/"
    assert Favorite.objects.filter(user=user, product=basket).exists()

    client.post("/favorites/toggle/", {"product": basket.pk, "next": "/p/kiondo-basket/"})
    assert not Favorite.objects.filter(user=user, product=basket).exists()


def test_heart_with_htmx_swaps_just_the_button(client, user, basket):
    client.force_login(user)

    response = client.post("/favorites/toggle/", {"product": basket.pk, "next": "/c/crafts/?brand=x"}, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form method="post" action="/favorites/toggle/"')
    assert 'aria-pressed="true"' in body and "bi-heart-fill" in body
    assert 'name="next" value="/c/crafts/?brand=x"' in body
    assert "<html" not in body


def test_the_heart_shows_what_is_already_a_favorite(client, user, basket):
    Favorite.objects.create(user=user, product=basket)
    client.force_login(user)

    page = client.get("/p/kiondo-basket/").content.decode()
    listing = client.get("/search/").content.decode()

    # The page's large heart is named by its caption, a card's by its label.
    assert '<span class="ms-1">Saved</span><span class="visually-hidden"> <bdi>Kiondo basket</bdi></span>' in page
    assert 'aria-pressed="true"' in page
    assert 'aria-label="Remove Kiondo basket from favorites"' in listing


def test_anonymous_heart_goes_to_log_in_and_back(client, basket):
    response = client.post("/favorites/toggle/", {"product": basket.pk, "next": "/p/kiondo-basket/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/p/kiondo-basket/"
    assert not Favorite.objects.exists()


def test_anonymous_heart_with_htmx_redirects_the_whole_page_to_log_in(client, basket):
    response = client.post("/favorites/toggle/", {"product": basket.pk, "next": "/c/crafts/"}, headers=HTMX)

    assert response["HX-Redirect"] == "/accounts/login/?next=/c/crafts/"
    assert not Favorite.objects.exists()


def test_anonymous_visitor_opening_favorites_is_sent_to_log_in(client):
    response = client.get("/favorites/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/favorites/")


def test_heart_never_sends_anyone_to_another_site(client, user, basket):
    client.force_login(user)

    response = client.post("/favorites/toggle/", {"product": basket.pk, "next": "https://evil.example/"})

    assert response["Location"] == "/favorites/"


def test_shopper_follows_a_store(client, user):
    store = StoreFactory(name="Mama Njeri Crafts")
    client.force_login(user)

    client.post("/favorites/toggle/", {"store": store.pk, "next": "/favorites/"})

    assert Favorite.objects.filter(user=user, store=store).exists()
    assert "Mama Njeri Crafts" in client.get("/favorites/").content.decode()


def test_favorites_page_lists_only_my_favorites(client, user, basket):
    mine_store = StoreFactory(name="My corner shop")
    Favorite.objects.create(user=user, product=basket)
    Favorite.objects.create(user=user, store=mine_store)
    someone = UserFactory()
    Favorite.objects.create(user=someone, product=ProductFactory(title="Their radio"))
    Favorite.objects.create(user=someone, store=StoreFactory(name="Their store"))
    client.force_login(user)

    response = client.get("/favorites/")

    page = response.content.decode()
    assert [p.title for p in response.context["products"]] == ["Kiondo basket"]
    assert [s.name for s in response.context["stores"]] == ["My corner shop"]
    assert "Their radio" not in page and "Their store" not in page


def test_a_favorite_that_went_off_sale_is_not_shown(client, user, basket):
    Favorite.objects.create(user=user, product=basket)
    Product.objects.filter(pk=basket.pk).update(status=Product.Status.ARCHIVED)
    client.force_login(user)

    assert client.get("/favorites/").context["products"] == []


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.PENDING])
def test_an_unpublished_product_cannot_be_hearted(client, user, status):
    hidden = ProductFactory(status=status)
    client.force_login(user)

    assert client.post("/favorites/toggle/", {"product": hidden.pk}).status_code == 404
    assert not Favorite.objects.exists()


@pytest.mark.parametrize("data", [{}, {"product": "abc"}, {"store": "x"}, {"product": "999999"}])
def test_a_malformed_heart_is_not_found(client, user, data):
    client.force_login(user)

    assert client.post("/favorites/toggle/", data).status_code == 404


def test_the_heart_only_answers_posts(client, user):
    client.force_login(user)

    assert client.get("/favorites/toggle/").status_code == 405
