"""Who may open the store dashboard pages: a store's own members only; anyone else's objects are not found."""

import pytest

from sellers.models import Store, StoreMember
from tests.factories import StoreFactory, UserFactory
from tests.factories.stores import StoreInviteFactory, places, settings_form_data

pytestmark = pytest.mark.django_db

SELLER_PAGES = [
    ("get", "/dashboard/settings/"),
    ("post", "/dashboard/settings/"),
    ("get", "/dashboard/team/"),
    ("post", "/dashboard/team/invite/"),
    ("post", "/dashboard/team/{member}/remove/"),
    ("post", "/dashboard/team/invites/{invite}/cancel/"),
]


@pytest.fixture
def other_store():
    store = StoreFactory(name="Kaloum Électronique", slug="kaloum-electronique")
    staff = UserFactory()
    StoreMember.objects.create(store=store, user=staff, role=StoreMember.Role.STAFF)
    return store


def url_for(template: str, store: Store) -> str:
    member = store.memberships.filter(role=StoreMember.Role.STAFF).first() or store.memberships.first()
    return template.format(member=member.pk, invite=StoreInviteFactory(store=store).pk)


@pytest.mark.parametrize("method, template", SELLER_PAGES)
def test_a_shopper_without_a_store_gets_the_403_page(client, other_store, method, template):
    client.force_login(UserFactory())

    response = getattr(client, method)(url_for(template, other_store))

    assert response.status_code == 403
    assert "Open a store" in response.content.decode()


@pytest.mark.parametrize("method, template", SELLER_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, other_store, method, template):
    url = url_for(template, other_store)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("template", ["/dashboard/team/{member}/remove/", "/dashboard/team/invites/{invite}/cancel/"])
def test_an_owner_gets_404_for_another_store_members_and_invites(client, other_store, template):
    client.force_login(StoreFactory().memberships.get().user)

    assert client.post(url_for(template, other_store)).status_code == 404


def test_a_seller_sees_and_edits_only_their_own_store_settings(client, other_store):
    where = places()
    mine = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", area=where.westlands)
    client.force_login(mine.memberships.get().user)

    page = client.get("/dashboard/settings/")
    assert page.context["store"] == mine
    assert "Kaloum" not in page.content.decode()

    # Even a form crafted with the other store's values only ever saves onto the seller's own store.
    data = {**settings_form_data(mine, name="Renamed"), "id": str(other_store.pk), "store": str(other_store.pk)}
    client.post("/dashboard/settings/", data)
    response = client.post("/dashboard/settings/", settings_form_data(mine, slug="kaloum-electronique"))

    assert "A store already uses that web address" in response.content.decode()
    other_store.refresh_from_db()
    assert (other_store.name, other_store.slug) == ("Kaloum Électronique", "kaloum-electronique")
    assert Store.objects.get(pk=mine.pk).name == "Renamed"


def test_staff_of_a_store_may_edit_its_settings(client, other_store):
    where = places()
    other_store.area = where.kaloum
    other_store.save()
    staff = other_store.memberships.get(role=StoreMember.Role.STAFF).user
    client.force_login(staff)

    client.post("/dashboard/settings/", settings_form_data(other_store, tagline="Phones and repairs"))

    other_store.refresh_from_db()
    assert other_store.tagline == "Phones and repairs"


def test_the_area_options_need_a_logged_in_user(client):
    response = client.get("/dashboard/settings/areas/?country=1")

    assert response.status_code == 302
