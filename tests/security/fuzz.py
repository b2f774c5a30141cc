"""The pieces of the fuzz suite: every URL pattern, a small world of real objects, a crawl
that finds real addresses and form fields for each pattern, and the hostile values.

Patterns come from the URL resolver, so a new view is fuzzed the day it is added; its real
addresses and the names of its fields come from the links and forms of the pages the crawl
reads as each kind of user.
"""

from __future__ import annotations

import html
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

# Values a hostile client sends: digits Python's str.isdigit() accepts but int() refuses,
# a number too big for a 64-bit column, negatives, NUL, very long text, markup, a path
# climb, relative and absolute "next" targets, and characters that break naive parsers.
HOSTILE = [
    "²",
    "①",
    "9" * 25,
    "-1",
    "\x00",
    "x" * 5000,
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "foo",
    "//evil.example/",
    "' OR 1=1 --",
]
# Parameter names every view is tried with, on top of those its pages' links and forms use.
COMMON_PARAMS = ["next", "q", "page", "sort", "status", "id", "variant", "quantity", "area", "parent", "store", "key"]
ROLES = ("anonymous", "buyer", "seller", "courier", "staff")
# Work this process spends on one request (CPU time of the thread: the test client runs the
# view here, and SQLite too), so a busy machine — CI runs two suites side by side — does not
# turn a fair answer into a finding; a pathological input still does. A seller's new product
# with its pictures costs up to about 2 s of it on a busy 2-core machine. On a machine busier
# still, a page's fair answers all cost more: a request is slow only beyond both this and
# SLOW_FACTOR times what the page's plain GET cost just before (``slow_after``).
SLOW_SECONDS = 3.0
SLOW_FACTOR = 5

_CONVERTER = re.compile(r"(?<!\?P)<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# A named group of a regex route; its pattern holds no nested parentheses in Django's and allauth's routes.
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def url_routes() -> list[str]:
    """Every route the resolver knows, as ``ResolverMatch.route`` spells it."""

    def walk(resolver, prefix: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted(set(walk(get_resolver(), "")))


def route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def route_fill(route: str, values: dict[str, str]) -> str:
    """A path for a route with these values in its converters (``<int:pk>``) or named
    groups (``(?P<key>...)``, in regex routes); a parameter without a value gets ``1``."""
    filled = _CONVERTER.sub(lambda m: values.get(m["name"], "1"), route)
    filled = _GROUP.sub(lambda m: values.get(m["name"], "1"), filled)
    return "/" + filled.replace("^", "").replace("$", "").replace("\\", "")


def route_params(route: str) -> list[str]:
    return [m["name"] for m in (*_CONVERTER.finditer(route), *_GROUP.finditer(route))]


class _PageReader(HTMLParser):
    """Links (href, hx-get, hx-post, form action) and each form with the values it would send."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _field(self, name: str, value: str, *, keep_first: bool = False):
        if self._form is None:
            self.forms.append(("", {name: value}))
        elif not (keep_first and name in self._form):
            self._form[name] = value

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        for name in ("href", "hx-get", "hx-post", "action"):
            if attrs.get(name):
                self.links.append(attrs[name])
        name = attrs.get("name")
        if tag == "form":
            self._form = {}
            self.forms.append((attrs.get("action", ""), self._form))
        elif tag == "input" and name:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                self._field(name, attrs.get("value", "on"), keep_first=True)
            elif attrs.get("type") != "file":
                self._field(name, attrs.get("value", ""))
        elif tag == "button" and name:
            self._field(name, attrs.get("value", ""), keep_first=True)
        elif tag == "select" and name:
            self._select = name
            self._field(name, "")
        elif tag == "option" and self._select and self._form is not None:
            if "selected" in attrs or not self._form.get(self._select):
                self._form[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._field(name, "")

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class RouteSamples:
    """What the crawl learned of one route: real paths and the parameter names used with it."""

    paths: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    forms: list[dict[str, str]] = field(default_factory=list)

    def form_add(self, values: dict[str, str]):
        """Keeps up to two forms with different fields (the same form of another object adds nothing)."""
        self.params.update(values)
        if len(self.forms) < 2 and all(set(values) != set(form) for form in self.forms):
            self.forms.append(dict(values))


@dataclass
class Finding:
    role: str
    method: str
    url: str
    problem: str

    def __str__(self):
        return f"{self.role:9} {self.method:4} {self.url[:160]!r}: {self.problem}"


def slow_after(baseline) -> float:
    """The CPU seconds beyond which a request to a page is a finding, given the page's plain
    GET (a response from ``request``, or None)."""
    return max(SLOW_SECONDS, SLOW_FACTOR * baseline.cpu_seconds) if baseline is not None else SLOW_SECONDS


def request(
    client: Client, role: str, method: str, path: str, data: dict, headers: dict, findings: list[Finding], *, slow: float = SLOW_SECONDS
):
    """One request; a 500, an exception or an answer costing more than ``slow`` CPU seconds is
    a finding. Returns the response (its cost in ``cpu_seconds``) or None."""
    started = time.thread_time()
    try:
        if method == "GET":
            response = client.get(path, data, headers=headers)
        else:
            response = client.post(path, data, headers=headers)
    except Exception as exc:  # noqa: BLE001 - every escaping exception is a finding
        shown = f"{path}?{'&'.join(f'{k}={str(v)[:20]}' for k, v in list(data.items())[:6])}"
        findings.append(Finding(role, method, shown, f"raised {type(exc).__name__}: {str(exc)[:200]}"))
        return None
    elapsed = time.thread_time() - started
    if response.status_code >= 500:
        findings.append(Finding(role, method, path, f"status {response.status_code}"))
    for unsaid in errors_not_shown(response):
        findings.append(Finding(role, method, path, f"refused without saying why: {unsaid}"))
    if elapsed > slow:
        findings.append(Finding(role, method, path, f"took {elapsed:.1f} s"))
    response.cpu_seconds = elapsed
    return response


def _bound_forms(value):
    """The bound forms in one context value: a form, a formset's forms, or a list of them."""
    if isinstance(value, BaseFormSet):
        if value.is_bound:
            yield value
            yield from value.forms
    elif isinstance(value, BaseForm):
        if value.is_bound:
            yield value
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, BaseForm | BaseFormSet):
                yield from _bound_forms(item)


REFUSED = {400, 409, 422}


def errors_not_shown(response) -> list[str]:
    """The errors of the bound forms a refused form's page (400, 409, 422) was rendered with
    that the page does not say: it must tell the person what to change. Django's admin is
    left out (its pages say every error their own way)."""
    contexts = getattr(response, "context", None)
    if not contexts or not response.get("Content-Type", "").startswith("text/html") or response.status_code not in REFUSED:
        return []
    if getattr(response, "wsgi_request", None) is not None and response.wsgi_request.path.startswith("/admin/"):
        return []
    shown = html.unescape(response.content.decode(errors="replace"))
    unsaid, seen = [], set()
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for value in context.flatten().values():
            for form in _bound_forms(value):
                if id(form) in seen:
                    continue
                seen.add(id(form))
                errors = list(form.non_form_errors()) if isinstance(form, BaseFormSet) else [
                    (name, message) for name, messages in form.errors.items() for message in messages
                ]
                for error in errors:
                    name, message = error if isinstance(error, tuple) else ("__all__", error)
                    if str(message) not in shown:
                        unsaid.append(f"{type(form).__name__}.{name}: {message}")
    return unsaid


def crawl(client: Client, role: str, seeds: list[str], samples: dict[str, RouteSamples], findings: list[Finding], limit=80):
    """Reads pages breadth-first from the seeds (GET only), recording every route's real
    paths and parameter names. Logging out is never followed."""
    seen: set[str] = set()
    queue = list(seeds)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or url in seen:
            continue
        seen.add(url)
        route = route_of(parts.path)
        if route is None or "logout" in route:
            continue
        samples[route].paths.add(parts.path)
        samples[route].params.update(name for name, _ in parse_qsl(parts.query))
        response = request(client, role, "GET", url, {}, {}, findings)
        if response is None or "html" not in response.get("Content-Type", ""):
            continue
        reader = _PageReader()
        reader.feed(response.content.decode(errors="replace"))
        for action, values in reader.forms:
            target = urlsplit(action or parts.path).path or parts.path
            target_route = route_of(target)
            if target_route is not None:
                samples[target_route].paths.add(target)
                samples[target_route].form_add(values)
        for link in reader.links:
            link_parts = urlsplit(link)
            if link_parts.scheme or link_parts.netloc or not link_parts.path.startswith("/"):
                continue
            link_route = route_of(link_parts.path)
            if link_route is None:
                continue
            samples[link_route].paths.add(link_parts.path)
            samples[link_route].params.update(name for name, _ in parse_qsl(link_parts.query))
            # Follow a few addresses of each route: enough to reach every kind of page.
            if len(samples[link_route].paths) <= 2 and link not in seen:
                queue.append(link)


def samples_new() -> dict[str, RouteSamples]:
    return defaultdict(RouteSamples)
