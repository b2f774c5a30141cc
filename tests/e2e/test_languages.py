"""Switching to Urdu in a real browser: from the footer without JavaScript, from the navbar
select with it. The page turns right to left, and the choice outlives logging in. Moving
through the select's options with the keyboard changes nothing until its button is pressed
(WCAG 3.2.2), so a keyboard reaches every language."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from tests.e2e.conftest import open_context
from tests.e2e.pages import PASSWORD, expect
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_js(browser, soko_live):
    context = open_context(browser, soko_live, java_script_enabled=False)
    yield context.new_page()
    context.close()


def html_attributes(page) -> tuple[str, str]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def test_without_javascript_the_footer_switches_to_urdu_and_the_account_keeps_it(page_without_js):
    user = UserFactory(email="ayesha@example.test", password=PASSWORD)
    page = page_without_js
    page.goto("/")
    assert html_attributes(page) == ("en", "ltr")
    # The navbar's select has a submit button of its own.
    expect(page.locator("[data-testid=navbar-language] button[type=submit]")).to_be_attached()

    page.locator("[data-testid=footer-language] button[value=ur]").click()
    page.wait_for_load_state()
    assert html_attributes(page) == ("ur", "rtl")
    assert "bootstrap.rtl.min.css" in page.content()
    assert page.locator("h1").first.inner_text() != "Your neighbourhood's stores, in one place."

    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert html_attributes(page) == ("ur", "rtl")
    assert get_user_model().objects.get(pk=user.pk).language == "ur"


def test_with_javascript_the_navbar_select_switches_with_its_button_not_on_each_arrow_key(new_page):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/stores/")
    assert html_attributes(page) == ("en", "ltr")
    select = page.locator("#navbar-language")
    codes = select.locator("option").evaluate_all("options => options.map(option => option.value)")
    # A keyboard walks down to the last language: every step stays on the page, in English.
    select.focus()
    for _ in codes:
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    expect(select).to_have_value(codes[-1])
    assert html_attributes(page) == ("en", "ltr")

    select.select_option("ur")
    page.locator("[data-testid=navbar-language] button[type=submit]").click()
    page.wait_for_function("() => document.documentElement.dir === 'rtl'")
    assert urlsplit(page.url).path == "/stores/"
    assert html_attributes(page) == ("ur", "rtl")
    expect(page.locator("#navbar-language")).to_have_value("ur")

    page.locator("#navbar-language").select_option("fr")
    page.locator("[data-testid=navbar-language] button[type=submit]").press("Enter")
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    assert html_attributes(page) == ("fr", "ltr")


def test_the_browser_time_zone_reaches_the_account(new_page, browser, soko_live):
    user = UserFactory(email="tz@example.test", password=PASSWORD)
    context = open_context(browser, soko_live, timezone_id="Asia/Karachi")
    try:
        page = context.new_page()
        page.goto("/")
        page.goto("/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        page.goto("/")
        assert get_user_model().objects.get(pk=user.pk).time_zone == "Asia/Karachi"
    finally:
        context.close()
