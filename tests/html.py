"""HTML assertions on the parsed page, not on substrings of its markup.

``dom(response)`` parses a response's body (or a string, or bytes) with a real HTML
parser (Beautiful Soup over the standard library's ``html.parser``); CSS selectors pick
elements (soupsieve: ``[data-testid=x]``, ``button[disabled]``, ``a[href="/cart/"]``,
``.badge.bg-danger``, ``:not()``, ``:has()``...):

    html = dom(response)
    assert html.one("[data-testid=cart-count]").text == "3"
    assert html.one("form[data-testid=pay] button").attr("disabled") is not None
    assert [a.attr("href") for a in html.all("nav a")] == ["/", "/cart/"]
    assert not html.has("[data-testid=pay]")

An assertion on the element says what it means whatever the attributes' order, quoting
or the whitespace between them, and fails when the element is missing (``one`` also when
there are several: its message shows what was found).
"""

from __future__ import annotations

from html.parser import HTMLParser

from bs4 import BeautifulSoup, Tag
from django.contrib.messages import get_messages
from django.forms import BaseForm

from shop.core.refusals import REFUSED_STATUS

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def dom(source) -> Node:
    """The parsed document of a response (its ``content``), of bytes or of a string."""
    if hasattr(source, "content"):
        source = source.content
    if isinstance(source, bytes):
        source = source.decode()
    return Node(BeautifulSoup(source, "html.parser"))


def told(response) -> list[str]:
    """What a page told its user: the messages queued on the request and, when it gave back
    a refused form (shop/core/refusals.py), why: the reason beside a form written in the
    template, or the errors of a Django form that are not about one field."""
    said = [str(message) for message in get_messages(response.wsgi_request)]
    if response.status_code == REFUSED_STATUS:
        said += [reason.text for reason in dom(response).all("[data-testid=form-refused]")]
        forms = {id(value): value for value in _context_values(response) if isinstance(value, BaseForm)}
        said += [str(error) for form in forms.values() if form.is_bound for error in form.non_field_errors()]
    return said


def _context_values(response) -> list:
    """The values the response's templates were rendered with (one Context, or a list of them)."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    return [value for context in contexts if context is not None for value in context.flatten().values()]


class Node:
    """An element (or the whole document) of a parsed page."""

    def __init__(self, tag: Tag):
        self.tag = tag

    def all(self, selector: str) -> list[Node]:
        """The elements inside this one that ``selector`` matches, in document order."""
        return [Node(found) for found in self.tag.select(selector)]

    def one(self, selector: str) -> Node:
        """The one element ``selector`` matches; an AssertionError if none or several do."""
        found = self.tag.select(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}, not one:\n" + (
            "\n".join(str(each)[:300] for each in found[:5]) or self.html[:1500]
        )
        return Node(found[0])

    def has(self, selector: str) -> bool:
        """Whether any element inside this one matches ``selector``."""
        return self.tag.select_one(selector) is not None

    def count(self, selector: str) -> int:
        return len(self.tag.select(selector))

    @property
    def children(self) -> list[Node]:
        """The elements directly inside this one (of a fragment: its top-level elements)."""
        return [Node(child) for child in self.tag.find_all(True, recursive=False)]

    def attr(self, name: str) -> str | None:
        """The attribute's value (``""`` for a bare boolean attribute such as ``disabled``),
        or None when the element does not have it. ``class`` answers its text as written."""
        value = self.tag.get(name)
        if isinstance(value, list):  # class, rel... come as lists of words
            return " ".join(value)
        return value

    @property
    def classes(self) -> set[str]:
        return set(self.tag.get("class") or [])

    @property
    def name(self) -> str:
        return self.tag.name

    @property
    def text(self) -> str:
        """The text inside, its runs of whitespace made single spaces, stripped."""
        return " ".join(self.tag.get_text().split())

    @property
    def html(self) -> str:
        return str(self.tag)

    def __repr__(self) -> str:
        return f"<Node {self.html[:200]!r}>"


class OpenElements(HTMLParser):
    """A streaming parser that knows which elements are open around each piece of text, for
    checks over raw markup (templates, whole pages): ``self.open`` holds (tag, attributes,
    line) from the outermost in, and an end tag closes everything up to its element. A check
    overrides ``opened`` and ``handle_data`` and appends what it finds to ``self.found``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict, int]] = []
        self.found: list[str] = []

    def opened(self, tag: str, attributes: dict, line: int):
        """An element starts (before it joins ``self.open``)."""

    def handle_starttag(self, tag, attrs):
        attributes, line = dict(attrs), self.getpos()[0]
        self.opened(tag, attributes, line)
        if tag not in VOID:
            self.open.append((tag, attributes, line))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return
