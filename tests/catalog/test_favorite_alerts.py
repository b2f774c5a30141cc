"""A favourite that drops in price or comes back in stock tells its shopper once per change,
live and by email, in the shopper's language; the favourites page shows the change."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from shop.catalog.models import Favorite, Variant
from shop.catalog.services.favorite_alerts import favorite_alerts_sweep
from shop.catalog.services.products import favorite_toggle, product_summary_refresh
from shop.notifications.models import Notification
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom


def reprice(product, price=None, stock=None):
    changes = {k: v for k, v in {"price": price, "stock": stock}.items() if v is not None}
    Variant.objects.filter(product=product).update(**changes)
    product_summary_refresh(product=product)


def told(user):
    return list(Notification.objects.filter(user=user, kind="favorite").order_by("pk").values_list("text", flat=True))


@pytest.fixture
def shopper(db):
    return UserFactory(email="amina@example.test")


@pytest.fixture
def basket(db):
    return ProductFactory(title="Sisal basket", variants__price=Decimal("1000"), variants__stock=5)


@pytest.mark.django_db
def test_a_price_drop_is_told_once_and_a_rise_then_drop_again(shopper, basket, django_capture_on_commit_callbacks):
    favorite_toggle(user=shopper, product=basket)
    assert favorite_alerts_sweep() == (0, 0)
    reprice(basket, price=Decimal("800"))
    with django_capture_on_commit_callbacks(execute=True):
        assert favorite_alerts_sweep() == (1, 0)
    assert favorite_alerts_sweep() == (0, 0)
    (text,) = told(shopper)
    assert "Sisal basket" in text and "800" in text and "1,000" in text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["amina@example.test"]

    reprice(basket, price=Decimal("1200"))
    assert favorite_alerts_sweep() == (0, 0)  # a rise is not news
    reprice(basket, price=Decimal("1100"))
    assert favorite_alerts_sweep() == (1, 0)  # but a drop from it is
    assert len(told(shopper)) == 2


@pytest.mark.django_db
def test_back_in_stock_is_told_once(shopper, basket):
    reprice(basket, stock=0)
    favorite_toggle(user=shopper, product=basket)
    assert favorite_alerts_sweep() == (0, 0)
    reprice(basket, stock=3, price=Decimal("900"))
    assert favorite_alerts_sweep() == (0, 1)  # back, at a lower price: one message, not two
    assert favorite_alerts_sweep() == (0, 0)
    reprice(basket, stock=0)
    assert favorite_alerts_sweep() == (0, 0)
    reprice(basket, stock=2)
    assert favorite_alerts_sweep() == (0, 1)
    assert [text.startswith("Back in stock") for text in told(shopper)] == [True, True]


@pytest.mark.django_db
def test_each_shopper_reads_it_in_their_language(basket):
    french = UserFactory(language="fr")
    favorite_toggle(user=french, product=basket)
    reprice(basket, price=Decimal("500"))
    favorite_alerts_sweep()
    (text,) = told(french)
    assert "Sisal basket" in text and "Price drop" not in text


@pytest.mark.django_db
def test_a_favourite_saved_before_alerts_existed_is_noted_silently(shopper, basket):
    Favorite.objects.create(user=shopper, product=basket)  # no price or stock seen
    assert favorite_alerts_sweep() == (0, 0)
    assert Favorite.objects.get().price_seen == Decimal("1000")
    reprice(basket, price=Decimal("900"))
    assert favorite_alerts_sweep() == (1, 0)


@pytest.mark.django_db
def test_the_favourites_page_shows_the_change(client, shopper, basket):
    favorite_toggle(user=shopper, product=basket)
    reprice(basket, price=Decimal("700"))
    favorite_alerts_sweep()
    client.force_login(shopper)
    page = client.get(reverse("catalog:favorites")).text
    assert "Price dropped from" in dom(page).one("[data-testid=favorite-change]").text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_at_once_tell_the_shopper_once():
    shopper = UserFactory()
    basket = ProductFactory(variants__price=Decimal("1000"))
    favorite_toggle(user=shopper, product=basket)
    reprice(basket, price=Decimal("600"))

    results = at_once([favorite_alerts_sweep] * 4)

    assert all(isinstance(result, tuple) for result in results), results
    assert sum(drops for drops, _back in results) == 1 and len(told(shopper)) == 1
