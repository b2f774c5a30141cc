"""A money input's step is its currency's minor unit: the browser offers whole francs for
GNF and cents for KES, never a hard-coded 0.01 the server would then refuse."""

from pathlib import Path

import pytest
from django.template import Context, Template

from shop.core.templatetags.money import money_step

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("currency", "step"), [("GNF", "1"), ("KES", "0.01"), ("PKR", "0.01")])
def test_the_step_is_the_currencys_minor_unit(currency, step):
    assert money_step(currency) == step
    assert Template("{% load money %}{{ currency|money_step }}").render(Context({"currency": currency})) == step


@pytest.mark.parametrize("template", ["auctions/_bidding.html", "chat/offer_form.html"])
def test_no_money_input_hard_codes_cents(template):
    text = (ROOT / "templates" / template).read_text(encoding="utf-8")
    assert 'step="0.01"' not in text and "|money_step" in text
