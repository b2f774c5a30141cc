"""Numbers from untrusted input: one parser, ASCII digits only, within a column's range."""

import pytest

from shop.core.ids import MAX_ID, id_or_none, int_or_none


@pytest.mark.parametrize("value", ["²", "①", "٣", "9" * 25, str(MAX_ID + 1), "0", "-1", "1.0", "1e3", "", None, " ", "0x10"])
def test_anything_but_a_positive_ascii_id_in_range_is_none(value):
    assert id_or_none(value) is None


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (" 42 ", 42), (7, 7), (str(MAX_ID), MAX_ID)])
def test_an_id_is_read(value, expected):
    assert id_or_none(value) == expected


def test_a_signed_number_within_bounds():
    assert int_or_none("-3", minimum=-10) == -3
    assert int_or_none("-30", minimum=-10) is None
    assert int_or_none("²", minimum=-10) is None
