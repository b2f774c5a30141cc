"""A number beyond 64 bits in a lookup matches nothing, on SQLite as on PostgreSQL."""

import pytest

from shop.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", [10**25, -(10**25), 10**400])
def test_a_huge_id_matches_nothing(number):
    user = UserFactory()
    assert not User.objects.filter(pk=number).exists()
    assert list(User.objects.filter(pk__in=[user.pk, number])) == [user]


def test_the_admin_answers_a_huge_group_id_with_a_form_error(admin_client):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Packers", "permissions": ["9" * 25]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_an_admin_inline_builds_no_more_forms_than_it_allows(admin_client):
    """Store hours allow seven rows; a forged TOTAL_FORMS used to build a thousand forms."""
    from tests.factories import StoreFactory

    store = StoreFactory()
    response = admin_client.post(
        f"/admin/sellers/store/{store.pk}/change/",
        {"name": store.name, "slug": store.slug, "hours-TOTAL_FORMS": "9" * 25, "hours-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "hours").formset
    assert len(formset.forms) <= 7
