"""Addresses search engines and link previews use.

Soko picks a visitor's language from their account or a cookie, so one address shows every
language. For search engines each language also has an address of its own: the page's
address with ``?lang=<code>`` (``LANGUAGE_PARAM``), which shows that language for that
request only (shop.accounts.preferences.middleware). English, the default, keeps the plain address.
The sitemap lists every language's address, and every public page names its canonical
address and its other languages' addresses in its head.

Structured data (schema.org JSON-LD) is written with ``json_ld``: JSON escaped so that no
text can close the script element.
"""

import json
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

LANGUAGE_PARAM = "lang"
# Query parameters that make a different page (the rest — sorting, filters — do not).
CANONICAL_PARAMS = ("page", "q")

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_url(path: str, language: str, params: dict | None = None) -> str:
    """``path`` in ``language``: with ``?lang=`` unless it is the default language."""
    query = dict(params or {})
    if language != settings.LANGUAGE_CODE:
        query[LANGUAGE_PARAM] = language
    return f"{path}?{urlencode(query)}" if query else path


def canonical_params(request) -> dict:
    return {name: request.GET[name] for name in CANONICAL_PARAMS if request.GET.get(name)}


def json_ld(data: dict) -> str:
    """A ``<script type="application/ld+json">`` element holding ``data``."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


def aggregate_rating(average: Decimal, count: int) -> dict:
    """schema.org ``AggregateRating`` out of five, rounded as pages show it (4.25 → "4.3")."""
    return {
        "@type": "AggregateRating",
        "ratingValue": str(average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
        "reviewCount": count,
        "bestRating": "5",
        "worstRating": "1",
    }
