"""A refused form loses nothing the person typed: on every page the crawl of tests/world.py
reaches, as each kind of person, every form that posts typed text (a textarea or a text
field) is sent twice — with a marker in each typed field, and with the marker followed by
far more text than any field takes — plainly and, when the form is an htmx one, as htmx.
Whenever the answer refuses (a 400, 409, 422 or 429, or an error message queued), it must
be the page or fragment again carrying the marker (never a redirect or a "204, read it
again" that leaves an empty form behind), saying each error of the forms it was rendered
with.

Staff forms of the admin are walked where a page of their own shows them (a complaint's
page, the decisions' intermediate pages); Django's own add and change forms are not (they
show the bound form again by design). Forms reached only by posting (the admin's bulk
actions) have tests of their own beside each app's."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import ERROR, get_messages
from django.db import transaction
from django.urls import resolve
from django.urls.exceptions import Resolver404

from shop.moderation.models import Complaint
from shop.moderation.reports.services import report_file
from tests.security.fuzz import errors_not_shown
from tests.world import client_for, world_build

pytestmark = pytest.mark.django_db

MARK = "Kept7Typed"
VARIANTS = (MARK, f"{MARK} " + "x" * 6000)
ROLES = ("buyer", "seller", "courier", "staff")
REFUSED_STATUSES = {400, 409, 422, 429}
# Text a person types; a password is never given back, a number or date field takes no words.
TYPED_INPUTS = {"", "text", "email", "url", "tel", "search"}
# The admin's own views of a model (its add, change, list, delete and history pages).
DJANGO_ADMIN_VIEWS = ("_add", "_change", "_changelist", "_delete", "_history")
PAGES_PER_ROLE = 120


@dataclass
class PostForm:
    action: str
    values: dict[str, str]
    typed: list[str]
    htmx: bool


class _Forms(HTMLParser):
    """The links of a page and its POST forms, with the values each would send and the
    names of its fields a person types into."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[PostForm] = []
        self._form: PostForm | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        name = attrs.get("name")
        if tag == "form":
            post = attrs.get("method", "").lower() == "post" or "hx-post" in attrs
            action = attrs.get("hx-post") or attrs.get("action", "")
            self._form = PostForm(action, {}, [], "hx-post" in attrs) if post else None
            if post:
                self.forms.append(self._form)
            return
        if self._form is None or not name:
            return
        values = self._form.values
        if tag == "input":
            kind = attrs.get("type", "").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs or (kind == "radio" and name not in values):
                    values[name] = attrs.get("value", "on")
            elif kind not in {"file", "submit", "button", "image", "reset"}:
                values[name] = attrs.get("value", "")
                if kind in TYPED_INPUTS and "readonly" not in attrs:
                    self._form.typed.append(name)
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            values.setdefault(name, attrs.get("value", ""))
        elif tag == "select":
            self._select = name
            values[name] = ""
        elif tag == "option" and self._select:
            if "selected" in attrs or not values.get(self._select):
                values[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            values[name] = ""
            if "readonly" not in attrs:
                self._form.typed.append(name)

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _walked(path: str) -> bool:
    """A page or form target of the shop's own (logging out and Django's own admin views aside)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    name = match.url_name or ""
    if "logout" in name or (match.route.startswith("admin/") and name.endswith(DJANGO_ADMIN_VIEWS)):
        return False
    return not name.startswith("account_")  # allauth's pages show their bound forms again


def forms_found(client, seeds: list[str]) -> dict[tuple[str, tuple[str, ...]], tuple[str, PostForm]]:
    """Every POST form with typed fields on the pages reached from ``seeds`` (GET only,
    breadth first), one per target route and set of fields, with the page it was on."""
    found: dict = {}
    seen: set[str] = set()
    queue = deque(seeds)
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or url in seen:
            continue
        seen.add(url)
        if url not in seeds and (parts.path.startswith("/admin/") or not _walked(parts.path)):
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        reader = _Forms()
        reader.feed(response.content.decode())
        for form in reader.forms:
            target = urlsplit(form.action or parts.path).path or parts.path
            if not form.typed or not _walked(target):
                continue
            form.action = target
            found.setdefault((resolve(target).route, tuple(sorted(form.values))), (url, form))
        queue.extend(link for link in reader.links if link not in seen)
    return found


@pytest.fixture(scope="module")
def walked(django_db_setup, django_db_blocker):
    """The world (tests/world.py) with a case to decide, and each role's typed forms; built
    once in a transaction rolled back at the module's end."""
    with django_db_blocker.unblock(), _savepoint():
        built = world_build(domain="refusals.test")
        users = built["users"]
        extra = _staff_pages(built)
        forms = {role: forms_found(client_for(users, role), [*built["seeds"], *extra]) for role in ROLES}
        yield {"users": users, "forms": forms}
        transaction.set_rollback(True)


def _savepoint():
    """A savepoint the caller rolls back, inside which a service may open its durable
    transaction (as inside a TestCase's own)."""
    block = transaction.atomic()
    block._from_testcase = True
    return block


def _staff_pages(built) -> list[str]:
    """The admin pages that show staff forms of the shop's own."""
    report = report_file(reporter=built["users"]["buyer"], target=built["product"], reason="counterfeit", text="Fake")
    complaint = Complaint.objects.get()
    return [
        f"/admin/moderation/complaint/{complaint.pk}/change/",
        f"/admin/moderation/case/{report.case_id}/decide/take_down/",
        f"/admin/moderation/case/{report.case_id}/decide/dismiss/",
        f"/admin/accounts/user/{built['users']['buyer'].pk}/act/warn/",
        f"/admin/orders/order/{built['order'].pk}/status/",
    ]


def _refused(response) -> bool:
    if response.status_code in REFUSED_STATUSES:
        return True
    return any(message.level >= ERROR for message in get_messages(response.wsgi_request))


def _problem(response) -> str | None:
    """Why this refusal lost the typed text, or None when it kept it."""
    if response.status_code in {204, 301, 302, 303}:
        where = response.get("Location") or response.get("HX-Redirect") or response.get("HX-Trigger") or ""
        return f"refused with {response.status_code} {where[:80]}: the typed text is gone"
    if "html" in response.get("Content-Type", "") and MARK not in response.content.decode(errors="replace"):
        return f"refused with {response.status_code} but the answer does not give the typed text back"
    if unsaid := errors_not_shown(response):
        return f"refused with {response.status_code} without saying why: {'; '.join(unsaid)[:200]}"
    return None


def test_the_walk_finds_the_typed_forms_of_every_side(walked):
    routes = {route for forms in walked["forms"].values() for route, _fields in forms}
    assert {
        "messages/<int:conversation_id>/send/",
        "dashboard/messages/replies/",
        "dashboard/reviews/feedback/<str:number>/",
        "admin/moderation/complaint/<int:pk>/reply/",
        "admin/moderation/complaint/<int:pk>/resolve/",
        "courier/jobs/<int:job_id>/code/",
        "returns/<int:pk>/escalate/",
    } <= routes


@pytest.mark.parametrize("role", ROLES)
def test_a_refused_form_gives_back_what_was_typed(walked, role):
    client = client_for(walked["users"], role)
    problems, refusals = [], 0
    for (route, _fields), (page, form) in sorted(walked["forms"][role].items()):
        for text in VARIANTS:
            data = {**form.values, **dict.fromkeys(form.typed, text)}
            for headers in ({}, {"HX-Request": "true"}) if form.htmx else ({},):
                client.cookies.pop("messages", None)  # only this answer's messages count
                with _savepoint():
                    response = client.post(form.action, data, headers=headers)
                    transaction.set_rollback(True)
                if not _refused(response):
                    continue
                refusals += 1
                if problem := _problem(response):
                    kind = "htmx" if headers else "plain"
                    problems.append(f"{route} ({kind}, {len(text)} chars, form on {page}): {problem}")
    assert not problems, f"{len(problems)} refusals lost the typed text:\n" + "\n".join(sorted(set(problems)))
    assert refusals, "no form was refused: the walk tests nothing"
