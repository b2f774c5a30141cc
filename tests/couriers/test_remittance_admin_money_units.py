"""Staff record a courier's cash in the currency's minor unit: GNF 90000.50 or KES 10.005
is refused on the admin's form with the rule's sentence (never stored, never posted), and
the currency, typed as text, must be one stores price in."""

import pytest

from couriers.admin import RemittanceAdminForm
from couriers.models import Remittance
from tests.factories.couriers import courier_serving

pytestmark = pytest.mark.django_db

WHOLE_FRANCS = "Prices in GNF are whole numbers, without decimals."


@pytest.mark.parametrize("name", ["amount", "commission_kept"])
def test_a_fraction_of_a_franc_is_refused_on_the_admin_page(admin_client, name):
    courier = courier_serving()
    data = {"courier": courier.pk, "currency": "GNF", "amount": "90000", "commission_kept": "0", "note": ""}
    response = admin_client.post("/admin/couriers/remittance/add/", {**data, name: "90000.50"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[name] == [WHOLE_FRANCS]
    assert not Remittance.objects.exists()


def test_whole_francs_and_cents_are_taken_a_finer_fraction_refused():
    courier = courier_serving()
    francs = RemittanceAdminForm({"courier": courier.pk, "currency": "GNF", "amount": "90000", "commission_kept": "0"})
    assert francs.is_valid(), francs.errors
    cents = RemittanceAdminForm({"courier": courier.pk, "currency": "KES", "amount": "10.005", "commission_kept": "0"})
    assert not cents.is_valid() and list(cents.errors["amount"])  # the field's own two decimal places


def test_an_unknown_currency_is_refused_a_lower_case_one_read_as_its_code():
    courier = courier_serving()
    unknown = RemittanceAdminForm({"courier": courier.pk, "currency": "XYZ", "amount": "100", "commission_kept": "0"})
    assert unknown.errors["currency"] == ["Enter the code of a currency stores price in: GNF, KES, PKR."]
    lower = RemittanceAdminForm({"courier": courier.pk, "currency": "kes", "amount": "100", "commission_kept": "0"})
    assert lower.is_valid(), lower.errors
    assert lower.cleaned_data["currency"] == "KES"
