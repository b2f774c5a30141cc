"""Reading a page's head as search engines and link previews do: its title, links, meta
tags and JSON-LD blocks, and the breadcrumbs a visitor sees."""

import json
from html.parser import HTMLParser


class Head(HTMLParser):
    """The title, links, meta tags and JSON-LD blocks of a page, and its visible breadcrumbs
    as (text, href or None) pairs."""

    def __init__(self, html: str):
        super().__init__()
        self.titles, self.links, self.meta, self.json_ld, self.crumbs = [], [], {}, [], []
        self._in = None  # "title", "ld", or "crumb" while inside one
        self._text: list[str] = []
        self._in_trail = False
        self._href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "title":
            self._in, self._text = "title", []
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in, self._text = "ld", []
        elif tag == "ol" and "breadcrumb" in classes:
            self._in_trail = True
        elif tag == "li" and self._in_trail and "breadcrumb-item" in classes:
            self._in, self._text, self._href = "crumb", [], None
        elif tag == "a" and self._in == "crumb":
            self._href = attrs.get("href")

    def handle_endtag(self, tag):
        if tag == "title" and self._in == "title":
            self.titles.append("".join(self._text))
        elif tag == "script" and self._in == "ld":
            self.json_ld.append(json.loads("".join(self._text)))
        elif tag == "li" and self._in == "crumb":
            self.crumbs.append((" ".join("".join(self._text).split()), self._href))
        elif tag == "ol":
            self._in_trail = False
            return
        else:
            return
        self._in = None

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def canonical(self) -> str:
        return next(link["href"] for link in self.links if link.get("rel") == "canonical")

    def alternates(self) -> dict[str, str]:
        return {link["hreflang"]: link["href"] for link in self.links if link.get("rel") == "alternate"}

    def data_of_type(self, kind: str) -> list[dict]:
        return [data for data in self.json_ld if data.get("@type") == kind]
