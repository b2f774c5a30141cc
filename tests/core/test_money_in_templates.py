"""Every amount of money a template shows goes through a money filter (``{% load money %}``:
``money``, ``money_plain``, ``money_abs``, ``minor_money``, ``money_input``), which writes it
with its currency's rules and the reader's language (decision 0011): never a raw Decimal
("1250.00 KES", "25000.000 GNF").

An output is money by its name: the variable's last part is, or ends in, one of ``WORDS``
(``order.total``, ``line.item.unit_price``, ``job.bonus``, ``shipping_fee``). Inside a
``{% blocktranslate with total=... %}`` or a ``{% with total=... %}``, the binding is what
is checked (the placeholder ``{{ total }}`` is only where it goes). Not checked: form fields (``form.price``, a widget),
values for scripts (``data-*`` attributes). Outputs named like money that are not money, or
must stay raw, are in ``NOT_MONEY`` with the reason."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("shop", "sellers", "couriers", "returns")
WORDS = {
    "price", "amount", "total", "subtotal", "fee", "fees", "bonus", "discount", "balance", "commission",
    "payout", "refund", "refunded", "fare", "earnings", "cost", "due", "net", "paid", "owed", "tip",
}  # fmt: skip
MONEY_FILTERS = {"money", "money_plain", "money_abs", "minor_money", "money_input"}
# A percentage, not an amount, whatever the name it is computed from.
NOT_MONEY_FILTERS = {"percent_off"}
# (template, output or binding as written): why it is not money, or stays raw.
NOT_MONEY = {
    ("templates/admin/moderation/_dashboard.html", "figures.queue_total"): "a count of waiting items",
    ("templates/admin/moderation/queue.html", "total=total"): "a count of rows",
    ("templates/catalog/product.html", "social.price"): "Open Graph's product:price:amount, read by machines",
    ("templates/checkout/page.html", "points=preview.points_balance|intcomma"): "loyalty points",
    ("templates/checkout/page.html", "counter=preview.points_balance"): "loyalty points",
    ("templates/payments/crypto_pay.html", "amount=quote.token_amount"): "a token amount, to the token's decimals",
    ("templates/payments/crypto_pay.html", "quote.token_amount"): "a token amount, to the token's decimals",
    ("templates/reviews/_feedback_badge.html", "count=score.total"): "a count of feedback",
    ("templates/sellers/_sale_row.html", 'amount=sale.amount|floatformat:"-2"'): "a percentage (kind percent)",
    ("templates/sellers/products/list.html", "count=product.stock_total"): "a count of units",
    ("templates/sellers/promotions.html", 'amount=code.amount|floatformat:"-2"'): "a percentage (kind percent)",
}

TOKEN = re.compile(r"\{\{\s*(?P<output>.*?)\s*\}\}|\{%\s*(?P<tag>.*?)\s*%\}", re.S)
BINDING = re.compile(r"(\w+)=((?:\"[^\"]*\"|'[^']*'|[^\s\"'])+)")
SCRIPT_VALUE = re.compile(r'\sdata-[\w-]+="[^"]*$')


def _templates() -> list[Path]:
    found = list((ROOT / "templates").rglob("*.html"))
    found += [path for app in APPS for path in (ROOT / app).rglob("templates/**/*.html")]
    return sorted(found)


def _money_named(variable: str) -> bool:
    parts = variable.split(".")
    if any(part == "form" or part.endswith("_form") for part in parts[:-1]):
        return False  # a bound form field: its widget
    if parts[:2] == ["refused", "posted"]:
        return False  # what was typed, given back to a refused form as it was (shop/core/refusals.py)
    last = parts[-1].lower()
    return last in WORDS or last.rsplit("_", 1)[-1] in WORDS


def _raw_money(expression: str) -> bool:
    """``expression`` (a variable and its filters) shows a money-named value unformatted."""
    variable, *filters = (part.strip() for part in expression.split("|"))
    if not re.fullmatch(r"[A-Za-z_][\w.]*", variable) or not _money_named(variable):
        return False
    names = {name.split(":", 1)[0].strip() for name in filters}
    return not names & (MONEY_FILTERS | NOT_MONEY_FILTERS)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def raw_amounts(text: str) -> list[tuple[int, str]]:
    """(line, output or binding) of each amount ``text`` shows without a money filter.

    The names a ``{% with %}`` or ``{% blocktranslate with %}`` binds are checked where they
    are bound (and include's are the included template's business)."""
    found = []
    scopes: list[set[str]] = []  # the names bound by each enclosing with / blocktranslate
    for token in TOKEN.finditer(text):
        if token.group("tag") is not None:
            tag = token.group("tag")
            word = tag.split(None, 1)[0] if tag else ""
            if word in {"with", "blocktrans", "blocktranslate"}:
                bound = set()
                for name, expression in BINDING.findall(tag):
                    bound.add(name)
                    if _raw_money(expression):
                        found.append((_line(text, token.start()), f"{name}={expression}"))
                scopes.append(bound)
            elif word in {"endwith", "endblocktrans", "endblocktranslate"} and scopes:
                scopes.pop()
            continue
        expression = token.group("output")
        if any(expression.split("|")[0].strip() in bound for bound in scopes):
            continue
        if SCRIPT_VALUE.search(text[max(0, token.start() - 200) : token.start()]):
            continue
        if _raw_money(expression):
            found.append((_line(text, token.start()), expression))
    return found


def test_every_amount_a_template_shows_goes_through_a_money_filter():
    found, allowed = [], set()
    for path in _templates():
        where = path.relative_to(ROOT).as_posix()
        for line, expression in raw_amounts(path.read_text(encoding="utf-8")):
            if (where, expression) in NOT_MONEY:
                allowed.add((where, expression))
            else:
                found.append(f"{where}:{line}: {expression}")
    assert found == [], "amounts shown raw (use |money or |money_plain with the currency):\n" + "\n".join(found)
    assert set(NOT_MONEY) - allowed == set(), "no longer found: remove from NOT_MONEY"


def test_the_check_tells_raw_amounts_from_formatted_ones():
    raw = [
        "{{ line.item.unit_price }} {{ ret.order.currency }}",
        "{{ order.total|floatformat:2 }}",
        "{{ job.bonus }}",
        "{{ shipping_fee }}",
        '{% blocktranslate trimmed with total=order.total %}Total: {{ total }}{% endblocktranslate %}',
        "{% blocktranslate %}Total: {{ total }}{% endblocktranslate %}",
        "{% with total=order.total %}{% blocktranslate %}Pay {{ total }}.{% endblocktranslate %}{% endwith %}",
        "{% with total=order.total|money:order.currency %}{% endwith %}{{ total }}",
    ]
    formatted = [
        "{{ line.item.unit_price|money_plain:ret.order.currency }}",
        "{{ order.total|money:order.currency }}",
        "{{ form.price|as_crispy_field }}",
        '<div data-amount="{{ bid.amount }}">',
        "{{ variant.price|percent_off:variant.compare_at_price }}",
        "{{ order.total_items }} {{ product.price_note }}",
        '{% blocktranslate trimmed with total=order.total|money:order.currency %}Total: {{ total }}{% endblocktranslate %}',
        "{% with total=order.total|money_plain:order.currency %}{% blocktranslate %}Pay {{ total }}.{% endblocktranslate %}{% endwith %}",
    ]
    assert [text for text in raw if not raw_amounts(text)] == []
    assert [text for text in formatted if raw_amounts(text)] == []
