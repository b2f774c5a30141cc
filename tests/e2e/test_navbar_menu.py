"""On a phone the navbar's menu opens from its button, with JavaScript (Bootstrap's
collapse, the address left alone) and without it (the button is a link to the menu)."""

import pytest

from tests.e2e.conftest import open_context
from tests.e2e.pages import console_errors, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no javascript"])
def test_the_phone_menu_opens_from_its_button(browser, soko_live, javascript):
    context = open_context(browser, soko_live, java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    errors = console_errors(page)
    page.goto("/")
    stores = page.locator("#nav-main").get_by_role("link", name="Stores")
    expect(stores).to_be_hidden()
    page.get_by_test_id("menu-toggler").click()
    expect(stores).to_be_visible()
    assert page.url.endswith("#nav-main") != javascript  # with JavaScript, Bootstrap took the click
    if javascript:
        expect(page.get_by_test_id("menu-toggler")).to_have_attribute("aria-expanded", "true")
    assert errors == [], errors
    context.close()
