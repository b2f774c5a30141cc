"""The stock rules one by one, as the inventory module applies them."""

import pytest

from shop.catalog.models import Variant
from shop.inventory.services import (
    StockChangedMeanwhile,
    StockEdit,
    StockShort,
    stock_adjust,
    stock_lock,
    stock_release,
    stock_reserve,
)
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def blue():
    return ProductFactory(title="Kikoi wrap", variants=[{"name": "Blue", "stock": 7}]).variants.get()


def stock_of(variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def test_a_figure_left_as_shown_leaves_the_stock_alone_after_sales(blue):
    assert stock_adjust(edits=[StockEdit(variant_id=blue.pk, wanted=10, seen=10)]) == []
    assert stock_of(blue) == 7


def test_a_changed_figure_is_set_when_nothing_moved(blue):
    assert stock_adjust(edits=[StockEdit(variant_id=blue.pk, wanted=12, seen=7)]) == [blue.pk]
    assert stock_of(blue) == 12


@pytest.mark.parametrize(
    ("seen", "message"),
    [
        (10, "3 sold since you opened this page; stock is now 7. Check the figure and save again to set it to 12."),
        (5, "2 came back or were added since you opened this page; stock is now 7. Check the figure and save again to set it to 12."),
        (None, "Stock is now 7. Check the figure and save again to set it to 12."),
    ],
    ids=["sold meanwhile", "restocked meanwhile", "page did not say"],
)
def test_a_changed_figure_that_clashes_is_refused_and_says_what_happened(blue, seen, message):
    with pytest.raises(StockChangedMeanwhile) as refused:
        stock_adjust(edits=[StockEdit(variant_id=blue.pk, wanted=12, seen=seen)])
    assert [conflict.message for conflict in refused.value.conflicts] == [message]
    assert stock_of(blue) == 7


def test_a_figure_that_already_is_the_stock_is_no_change(blue):
    assert stock_adjust(edits=[StockEdit(variant_id=blue.pk, wanted=7, seen=10)]) == []


def test_setting_the_last_variant_to_zero_takes_the_listing_out_of_stock_and_back(blue):
    stock_adjust(edits=[StockEdit(variant_id=blue.pk, wanted=0, seen=7)])
    blue.product.refresh_from_db()
    assert not blue.product.in_stock
    stock_release(quantities={blue.pk: 2})
    blue.product.refresh_from_db()
    assert blue.product.in_stock and stock_of(blue) == 2


def test_a_reservation_beyond_the_stock_writes_nothing(blue):
    red = ProductFactory(variants=[{"name": "Red", "stock": 1}]).variants.get()
    locked = stock_lock(variant_ids=[blue.pk, red.pk])
    with pytest.raises(StockShort):
        stock_reserve(locked=locked, quantities={blue.pk: 2, red.pk: 2})
    assert (stock_of(blue), stock_of(red)) == (7, 1)


def test_releasing_units_of_a_deleted_variant_skips_it(blue):
    gone = ProductFactory(variants=[{"name": "Gone", "stock": 0}]).variants.get()
    gone_pk = gone.pk
    gone.delete()
    stock_release(quantities={blue.pk: 1, gone_pk: 3})
    assert stock_of(blue) == 8
