"""Staff verify stores from the admin; the badge is theirs alone to give."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from sellers.models import Store
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.stores import places

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_verify_stores_with_the_list_action(staff_client):
    first, second, untouched = StoreFactory(), StoreFactory(), StoreFactory()

    response = staff_client.post(
        reverse("admin:sellers_store_changelist"),
        {"action": "mark_verified", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert "2 stores marked verified." in response.content.decode()
    assert set(Store.objects.filter(verified=True)) == {first, second}
    assert not Store.objects.get(pk=untouched.pk).verified


def test_the_verified_badge_is_editable_in_the_store_list(staff_client):
    store = StoreFactory(name="Mama Njeri Crafts")

    page = staff_client.get(reverse("admin:sellers_store_changelist")).content.decode()

    assert 'name="form-0-verified"' in page
    assert "Mama Njeri Crafts" in page
    assert Store.objects.get(pk=store.pk).verified is False


def test_staff_find_stores_by_owner_email_and_filter_by_verification(staff_client):
    StoreFactory(name="Mama Njeri Crafts", owner=UserFactory(email="amina@example.test"), verified=True)
    StoreFactory(name="Kaloum Électronique")
    changelist = reverse("admin:sellers_store_changelist")

    found = staff_client.get(changelist, {"q": "amina@example.test"})
    verified = staff_client.get(changelist, {"verified__exact": "1"})

    assert [store.name for store in found.context["cl"].result_list] == ["Mama Njeri Crafts"]
    assert [store.name for store in verified.context["cl"].result_list] == ["Mama Njeri Crafts"]


def test_the_store_change_page_opens_with_its_hours_team_and_invites(staff_client):
    store = StoreFactory(area=places().westlands)

    response = staff_client.get(reverse("admin:sellers_store_change", args=[store.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Store hours" in page and "Store members" in page and "Store invites" in page


def test_setting_up_a_store_links_the_area_typed_when_one_fits():
    from sellers.services import store_create

    where = places()
    owner = UserFactory()

    linked = store_create(owner=owner, name="A", slug="a", phone="+254 700 000 001", area="westlands, Nairobi")
    unknown = store_create(owner=UserFactory(), name="B", slug="b", phone="+254 700 000 002", area="Kibera")
    ambiguous = store_create(owner=UserFactory(), name="C", slug="c", phone="+254 700 000 003", area="Nairobi")

    assert (linked.area, linked.area_label) == (where.westlands, "")
    assert (unknown.area, unknown.area_label) == (None, "Kibera")
    assert (ambiguous.area, ambiguous.area_label) == (None, "Nairobi")  # the county or the city?


def test_the_migration_links_existing_stores_whose_text_names_one_area():
    migration = importlib.import_module("sellers.migrations.0006_store_area_from_label")
    where = places()
    westlands = StoreFactory(area_label="Westlands, Nairobi")
    kaloum = StoreFactory(area_label="Kaloum, Conakry")
    wrong_city = StoreFactory(area_label="Westlands, Mombasa")
    free_text = StoreFactory(area_label="Behind the bus stage")

    migration.link_areas(apps, schema_editor=None)

    for store in (westlands, kaloum, wrong_city, free_text):
        store.refresh_from_db()
    assert (westlands.area, westlands.area_label) == (where.westlands, "")
    assert (kaloum.area, kaloum.area_label) == (where.kaloum, "")
    assert (wrong_city.area, wrong_city.area_label) == (None, "Westlands, Mombasa")
    assert (free_text.area, free_text.area_label) == (None, "Behind the bus stage")

    migration.restore_labels(apps, schema_editor=None)
    westlands.refresh_from_db()
    assert westlands.area_label == "Westlands, Nairobi"


def test_staff_cannot_change_the_currency_of_a_store_that_lists_products(staff_client):
    """Its prices, orders, payouts and promotions are amounts in that currency: changing it
    would read each of them in another. A store with nothing listed may still change it."""
    empty, selling = StoreFactory(currency="KES"), StoreFactory(currency="KES")
    ProductFactory(store=selling)

    def form_fields(store):
        page = staff_client.get(reverse("admin:sellers_store_change", args=[store.pk]))
        return page.context["adminform"].form.fields

    assert "currency" in form_fields(empty)
    assert "currency" not in form_fields(selling)
    page = staff_client.get(reverse("admin:sellers_store_change", args=[selling.pk])).content.decode()
    assert "Kenyan shilling" in page  # still shown, read-only
