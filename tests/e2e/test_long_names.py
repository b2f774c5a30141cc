"""A long name of the signed-in person never makes a page wider than the window: the
navbar cuts it with an ellipsis (the whole name is its title). A seller's dashboard at
1280 px once overflowed by a few pixels for some of the names the factories draw."""

import pytest

from tests.e2e.pages import log_in
from tests.factories import StoreFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Dr. Christopher Alexander Montgomery-Williamson III"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_name_keeps_the_pages_inside_the_window(new_page, width):
    store = StoreFactory(name="Mama Njeri Crafts")
    owner = store.memberships.get().user
    owner.display_name = LONG_NAME
    owner.save(update_fields=["display_name"])
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, owner.email)

    for path in ["/", "/cart/", "/dashboard/", "/dashboard/blog/new/"]:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    if width == 1280:
        name = page.locator(".navbar-user-name")
        assert name.get_attribute("title") == LONG_NAME
