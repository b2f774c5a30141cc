"""The API's docs page (Swagger UI, vendored) runs under the site's Content-Security-Policy:
it reads the OpenAPI document, lists the operations, and tries one, with no policy
violation and no console error, on a desktop and on a phone."""

import pytest

from tests.e2e.pages import console_errors, shot
from tests.e2e.test_csp import watched
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_docs_page_lists_the_operations_and_tries_one(new_page, viewport):
    ProductFactory(title="Kiondo basket")
    page, violations = watched(new_page, viewport)
    errors = console_errors(page)

    page.goto("/api/v1/docs/")
    products = page.locator("#operations-products-products_list")
    products.wait_for(timeout=15_000)
    shot(page, f"api-docs-{'phone' if viewport else 'desktop'}")
    products.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    answer = products.locator(".live-responses-table tbody .response-col_status").first
    answer.wait_for(timeout=15_000)

    assert answer.inner_text().strip() == "200"
    assert "Kiondo basket" in products.locator(".live-responses-table").inner_text()
    assert page.locator("#operations-stores-stores_retrieve").count() == 1
    assert violations == []
    assert errors == []
