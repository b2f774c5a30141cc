"""Addresses search engines and link previews use.

Soko picks a visitor's language from their account or a cookie, so one address shows every
language. For search engines each language also has an address of its own: the page's
address with ``?lang=<code>`` (``LANGUAGE_PARAM``), which shows that language for that
request only (shop.accounts.preferences.middleware). English, the default, keeps the plain address.
The sitemap lists every language's address, and every public page names its canonical
address and its other languages' addresses in its head.

A first page has no page number in its address (``?page=1`` is the same page as none).

Structured data (schema.org JSON-LD) is written with ``json_ld``: JSON escaped so that no
text can close the script element. Titles and descriptions are plain text on one line
(``text_from_html``), whatever markup or line breaks they were made from.
"""

import json
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

LANGUAGE_PARAM = "lang"
# Query parameters that make a different page (the rest — sorting, filters — do not).
CANONICAL_PARAMS = ("page", "q")

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
# Elements that end a run of words: text on either side of them is two words, not one.
_WORD_BREAKS = frozenset((
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "td", "th", "tr", "ul",
))
_UNREAD = frozenset(("script", "style", "template"))


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_url(path: str, language: str, params: dict | None = None) -> str:
    """``path`` in ``language``: with ``?lang=`` unless it is the default language."""
    query = dict(params or {})
    if language != settings.LANGUAGE_CODE:
        query[LANGUAGE_PARAM] = language
    return f"{path}?{urlencode(query)}" if query else path


def canonical_params(request) -> dict:
    params = {name: request.GET[name] for name in CANONICAL_PARAMS if request.GET.get(name)}
    page = params.pop("page", "")
    if page.isascii() and page.isdigit() and int(page) > 1:
        params["page"] = str(int(page))
    return dict(sorted(params.items()))


def canonical_url(request, language: str) -> str:
    """The page's absolute address in ``language``."""
    return request.build_absolute_uri(language_url(request.path, language, canonical_params(request)))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.unread = 0

    def handle_starttag(self, tag, attrs):
        self.unread += tag in _UNREAD
        if tag in _WORD_BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self.unread -= tag in _UNREAD and self.unread > 0
        if tag in _WORD_BREAKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.unread:
            self.parts.append(data)


def text_from_html(html: str) -> str:
    """What ``html`` reads as, on one line: tags gone, entities decoded, the words either side
    of a paragraph or line break kept apart ("<p>a</p><p>b</p>" reads "a b")."""
    parser = _Text()
    parser.feed(str(html))
    parser.close()
    return " ".join("".join(parser.parts).split())


def json_ld(data: dict) -> str:
    """A ``<script type="application/ld+json">`` element holding ``data``."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


def breadcrumb_list(crumbs: list[tuple[str, str | None]]) -> dict:
    """schema.org ``BreadcrumbList`` of (name, absolute address) pairs; the current page, the
    last, may have no address."""
    items = []
    for position, (name, url) in enumerate(crumbs, start=1):
        item = {"@type": "ListItem", "position": position, "name": str(name)}
        if url:
            item["item"] = url
        items.append(item)
    return {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}


def aggregate_rating(average: Decimal, count: int) -> dict:
    """schema.org ``AggregateRating`` out of five, rounded as pages show it (4.25 → "4.3")."""
    return {
        "@type": "AggregateRating",
        "ratingValue": str(average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
        "reviewCount": count,
        "bestRating": "5",
        "worstRating": "1",
    }
