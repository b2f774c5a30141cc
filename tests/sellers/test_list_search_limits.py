"""The dashboard's list searches answer a huge query like any other (words and length capped)."""

import pytest

pytestmark = pytest.mark.django_db

ONE_LETTERS = " ".join("abcdefghijklmnoprstuvwy"[i % 23] for i in range(50))


@pytest.mark.parametrize("url", ["/dashboard/products/", "/dashboard/orders/"])
def test_dashboard_lists_answer_a_huge_query(seller_client, url):
    assert seller_client.get(url, {"q": ONE_LETTERS + " " + "x" * 5000}).status_code == 200
