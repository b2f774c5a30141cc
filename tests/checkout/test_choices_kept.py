"""Every re-read of the checkout (htmx: an address chosen or typed, a delivery, the points)
sends every choice the buyer made, so what comes back keeps them: a pick-up stays a
pick-up when the address changes. A home delivery the new address does not get falls
back to pick-up, says so, and comes back with an address the store delivers to. Without
JavaScript, "Update totals" and "Apply" recalculate the figures and flag nothing."""

import pytest

from shop.accounts.addresses.forms import AddressForm
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.geo.forms import AREA_FIELD_NAMES
from tests.factories.addresses import westlands
from tests.html import dom

pytestmark = pytest.mark.django_db

PLACE_FIELDS = {*AREA_FIELD_NAMES, "latitude", "longitude"}
# Typed, not chosen: sent only when the order is placed (they decide no figure).
TYPED = {"csrfmiddlewaretoken", "idempotency_key", "review", "instructions"} | (
    set(AddressForm.base_fields) | {"make_default"}
) - PLACE_FIELDS


def form_values(page) -> dict:
    """What the checkout form holds as the page shows it (the browser's state)."""
    values = {}
    for field in dom(page).all("#checkout-form [name]"):
        tag, name, kind = field.tag.name, field.attr("name"), field.attr("type")
        if field.attr("disabled") is not None:
            continue
        if tag == "select":
            chosen = field.tag.select_one("option[selected]")
            values[name] = chosen.get("value", "") if chosen else ""
        elif kind in ("radio", "checkbox"):
            if field.attr("checked") is not None:
                values[name] = field.attr("value")
        elif tag in ("input", "textarea"):
            values[name] = field.attr("value") or field.text
    return values


def rereaders(page) -> list:
    """The elements whose htmx request reads the checkout page again."""
    return dom(page).all("[hx-get='/checkout/'], [hx-post='/checkout/']")


def sent_names(page, reader) -> set[str]:
    """The names of the fields ``reader``'s request sends (its ``hx-include``)."""
    return {node.attr("name") for node in dom(page).all(reader.attr("hx-include")) if node.attr("name")}


def reread(client, page, values: dict, testid_or_selector: str, target: str = "delivery-options"):
    """The request htmx makes for the re-reader matching ``testid_or_selector``, from the
    form as it stands (``values``): only the fields its ``hx-include`` names."""
    (reader,) = [node for node in rereaders(page) if node.tag.has_attr(testid_or_selector)]
    query = {name: value for name, value in values.items() if name in sent_names(page, reader)}
    return client.get("/checkout/", query, headers={"HX-Request": "true", "HX-Target": target})


def checked(page, name: str) -> str | None:
    found = dom(page).all(f"#delivery-options input[name='{name}'][checked]")
    return found[0].attr("value") if found else None


def to_pay(page) -> str:
    return dom(page).one("[data-testid=review-total]").text.strip()


@pytest.fixture
def shopper(client, buyer, cart):
    client.force_login(buyer)
    return buyer


def test_every_reread_of_the_checkout_sends_every_choice_on_the_page(client, shopper):
    page = client.get("/checkout/").content.decode()
    choices = {node.attr("name") for node in dom(page).all("#checkout-form [name]:not(button)")}
    choices -= TYPED
    assert {"address", "payment_method", "promo_code", "currency"} <= choices
    assert any(name.startswith("delivery_") for name in choices)

    readers = rereaders(page)
    assert len(readers) >= 3  # the address radios, a typed address's place, the delivery options
    for reader in readers:
        assert not choices - sent_names(page, reader), (str(reader.tag)[:200], choices - sent_names(page, reader))


def test_a_pick_up_stays_a_pick_up_when_a_new_address_is_ticked_and_its_place_chosen(client, shopper, weavers):
    page = client.get("/checkout/").content.decode()
    field = f"delivery_{weavers.pk}"
    values = {**form_values(page), field: "pickup"}
    picked_up = to_pay(client.get("/checkout/", values, headers={"HX-Request": "true", "HX-Target": "review"}).content.decode())

    values["address"] = "new"
    ticked = reread(client, page, values, "data-address-group").content.decode()
    assert checked(ticked, field) == "pickup" and to_pay(ticked) == picked_up

    area = westlands()  # where Kisii Weavers delivers: home delivery is offered again, pick-up stays chosen
    values.update(country=area.parent.parent.parent.pk, region=area.parent.parent.pk, district=area.parent.pk, neighbourhood=area.pk)
    typed = reread(client, ticked, values, "data-address-typed").content.decode()
    assert [node.attr("value") for node in dom(typed).all(f"input[name='{field}']")] == ["delivery", "pickup"]
    assert checked(typed, field) == "pickup" and to_pay(typed) == picked_up
    assert not dom(typed).has("[data-testid=delivery-changed]")


def test_a_home_delivery_the_new_address_does_not_get_is_said_to_be_a_pick_up_and_comes_back(client, shopper, weavers):
    page = client.get("/checkout/").content.decode()
    field = f"delivery_{weavers.pk}"
    values = form_values(page)
    assert values[field] == "delivery"

    values["address"] = "new"  # nothing typed yet: no area, so no home delivery
    ticked = reread(client, page, values, "data-address-group").content.decode()
    assert checked(ticked, field) == "pickup"
    (said,) = dom(ticked).all("[data-testid=delivery-changed]")
    assert "You chose home delivery: for now this order is picked up at the store." in said.text

    values = {**values, **{name: value for name, value in form_values(ticked).items() if name.startswith("delivery_")}}
    area = westlands()
    values.update(country=area.parent.parent.parent.pk, region=area.parent.parent.pk, district=area.parent.pk, neighbourhood=area.pk)
    typed = reread(client, ticked, values, "data-address-typed").content.decode()
    assert checked(typed, field) == "delivery"
    assert not dom(typed).has("[data-testid=delivery-changed]")


def test_a_pick_up_that_was_the_only_option_is_no_choice_home_delivery_comes_with_the_address(client, buyer, basket):
    """A first address typed: pick-up is all there is until its place is known, then home
    delivery is offered and chosen as it is by default."""
    buyer.addresses.all().delete()
    cart_add(cart=Cart.objects.create(user=buyer), variant=basket, quantity=1)
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    field = f"delivery_{basket.product.store.pk}"
    values = form_values(page)
    assert values["address"] == "new" and values[field] == "pickup"
    assert not dom(page).has("[data-testid=delivery-changed]")

    area = westlands()
    values.update(country=area.parent.parent.parent.pk, region=area.parent.parent.pk, district=area.parent.pk, neighbourhood=area.pk)
    typed = reread(client, page, values, "data-address-typed").content.decode()
    assert checked(typed, field) == "delivery"


def test_the_payment_method_chosen_is_kept_by_a_reread(client, shopper):
    page = client.get("/checkout/").content.decode()
    methods = [node.attr("value") for node in dom(page).all("input[name=payment_method]")]
    if len(methods) < 2:
        pytest.skip("one payment method offered")
    again = client.get("/checkout/", {**form_values(page), "payment_method": methods[-1]}).content.decode()
    assert dom(again).one("input[name=payment_method][checked]").attr("value") == methods[-1]


def test_recalculating_without_javascript_flags_nothing_in_the_new_address(client, shopper):
    """ "Update totals" and "Apply" are both ``recalculate``: the figures only."""
    page = client.get("/checkout/").content.decode()
    values = {**form_values(page), "address": "new", "recipient": "Amina", "promo_code": "NOPE", "recalculate": "1"}

    response = client.post("/checkout/", values)

    assert response.status_code == 200
    html = dom(response)
    new_address = html.one("[data-testid=new-address]")
    assert not new_address.all(".is-invalid, .invalid-feedback"), [str(node.tag)[:200] for node in new_address.all(".is-invalid")]
    assert "This field is required." not in response.content.decode()
    assert "Choose the country." not in response.content.decode()
    assert not html.has("[data-testid=checkout-errors]")
    assert html.one("input[name=recipient]").attr("value") == "Amina"  # kept as typed
    assert html.one("input[name=promo_code]").attr("value") == "NOPE"


def test_placing_the_order_still_flags_the_new_address(client, shopper):
    page = client.get("/checkout/").content.decode()
    values = {**form_values(page), "address": "new", "recipient": "Amina"}

    response = client.post("/checkout/", values)

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert dom(response).one("input[name=recipient]").attr("value") == "Amina"

