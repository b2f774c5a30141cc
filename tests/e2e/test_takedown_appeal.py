"""A seller whose listing Soko took down follows the notice to their standing page, which
says what is hidden (not "good standing"), and appeals it there, at 1280 and 390 px,
without console errors."""

import pytest
from playwright.sync_api import expect

from shop.moderation.models import Appeal, Case
from shop.moderation.reports.services import case_take_down, report_file
from tests.e2e.pages import log_in, shot
from tests.e2e.test_auctions import DESKTOP, PHONE
from tests.e2e.test_console_journeys import Console
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_seller_appeals_a_listing_take_down_from_the_standing_page(new_page):
    for viewport in (DESKTOP, PHONE):
        width = viewport["width"]
        seller = UserFactory(email=f"seller-{width}@example.test")
        product = ProductFactory(store=StoreFactory(owner=seller), title=f"Handwoven kiondo {width}")
        moderator = UserFactory(is_staff=True, is_superuser=True)
        report_file(reporter=UserFactory(), target=product, reason="counterfeit")
        case = Case.objects.get(target_id=product.pk, target_type__model="product")
        case_take_down(case=case, actor=moderator, reason="The brand's logo is copied.")

        page = new_page()
        page.set_viewport_size(viewport)
        console = Console(page.context)
        console.watch(page)
        log_in(page, seller.email)
        page.goto("/account/standing/")
        notice = page.get_by_test_id("standing-notice")
        expect(notice).to_have_attribute("data-standing", "takedowns")
        expect(notice).to_contain_text("Soko has hidden one of your things")
        item = page.get_by_test_id("standing-takedown")
        expect(item).to_contain_text(f"Handwoven kiondo {width}")
        expect(item).to_contain_text("The brand's logo is copied.")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"staff-standing-takedown-{width}")

        item.get_by_label("Appeal this take-down").fill("It is my own design; the receipt is attached to my store page.")
        item.get_by_role("button", name="Send the appeal").click()
        expect(page.get_by_text("Your appeal is waiting for staff.")).to_be_visible()
        expect(page.get_by_test_id("standing-appeal")).to_have_attribute("data-status", "open")
        shot(page, f"staff-standing-appealed-{width}")
        assert Appeal.objects.filter(user=seller, takedown__case=case, status=Appeal.Status.OPEN).count() == 1
        assert console.problems == []
