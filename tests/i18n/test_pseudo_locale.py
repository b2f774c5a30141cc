"""Every string a person reads is translatable: pages, htmx fragments, form errors and
emails are rendered in the pseudo-language (tests/i18n/pseudo.py), where each translated
string comes out wrapped in ⟦ ⟧, and any other visible text that is not user data fails.

The pages are those the buyer, seller, courier, staff member and a visitor reach from their
starting pages (links, htmx addresses and form targets, followed breadth-first), and every
other route the URL resolver knows, so a new page is checked the day it is added.
"""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.security.fuzz import ROLES, _PageReader, route_fill, route_of, url_routes
from tests.world import client_for, world_build

from .pseudo import PSEUDO, pseudo_language, untranslated, untranslated_text, user_data

pytestmark = pytest.mark.django_db

PAGES_PER_ROLE = 160
# Never followed: they end the session, or answer with something other than a page.
SKIPPED = ("logout", "jsi18n", "healthz", "media/", "static/", "qr.svg", "reauthenticate")


def _client(users, role) -> Client:
    client = client_for(users, role)
    client.cookies["soko_language"] = PSEUDO
    return client


def _is_page(response) -> bool:
    return response.status_code == 200 and "html" in response.get("Content-Type", "")


def _crawl(client, seeds, forms: dict, limit=PAGES_PER_ROLE) -> dict[str, str]:
    """path -> html of every page read from the seeds; ``forms`` collects (target, values)."""
    pages: dict[str, str] = {}
    per_route: dict[str, int] = {}
    queue, seen = list(seeds), set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or url in seen:
            continue
        seen.add(url)
        route = route_of(parts.path)
        if route is None or any(word in url for word in SKIPPED):
            continue
        response = client.get(url)
        if not _is_page(response):
            continue
        html = response.content.decode()
        pages[url] = html
        reader = _PageReader()
        reader.feed(html)
        for action, values in reader.forms:
            target = urlsplit(action or parts.path).path or parts.path
            if route_of(target) is not None and not any(word in target for word in SKIPPED):
                forms.setdefault((target, tuple(sorted(values))), values)
        for link in reader.links:
            link_route = route_of(urlsplit(link).path)
            if link_route is None or link in seen:
                continue
            # A few addresses of each route are enough to reach every kind of page.
            per_route[link_route] = per_route.get(link_route, 0) + 1
            if per_route[link_route] <= 2:
                queue.append(link)
    return pages


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with pseudo_language(), django_db_blocker.unblock(), transaction.atomic():
        built = world_build(domain="pseudo.test", language=PSEUDO)
        users = built["users"]
        pages, forms = {}, {}
        for role in ROLES:
            role_forms: dict = {}
            pages[role] = _crawl(_client(users, role), built["seeds"], role_forms)
            forms[role] = role_forms
        yield {**built, "pages": pages, "forms": forms, "data": user_data()}
        transaction.set_rollback(True)


@pytest.fixture
def pseudo():
    with pseudo_language():
        yield


def _report(findings: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {', '.join(repr(text[:80]) for text in texts[:6])}" for where, texts in findings.items())


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_person_reaches_is_translated(world, role):
    pages = world["pages"][role]
    assert len(pages) >= 5, f"the crawl as {role} read only {sorted(pages)}"
    findings = {
        url: texts for url, html in pages.items() if (texts := untranslated(html, world["data"], admin=url.startswith("/admin/")))
    }
    assert not findings, f"untranslated text on {len(findings)} pages as {role}:\n{_report(findings)}"


def test_every_route_the_resolver_knows_is_translated(world, pseudo):
    """Routes no crawl reached, with real objects in their arguments, as each role."""
    reached = {route_of(urlsplit(url).path) for pages in world["pages"].values() for url in pages}
    values = {
        "pk": str(world["product"].pk),
        "number": world["order"].number,
        "slug": world["product"].slug,
        "object_id": str(world["product"].pk),
        "app_label": "catalog",
    }
    findings = {}
    for route in url_routes():
        if route in reached or any(word in route for word in SKIPPED):
            continue
        path = route_fill(route, values)
        for role in ROLES:
            response = _client(world["users"], role).get(path)
            if _is_page(response) and (texts := untranslated(response.content.decode(), world["data"], admin=path.startswith("/admin/"))):
                findings[f"{role} {path}"] = texts
    assert not findings, f"untranslated text:\n{_report(findings)}"


def test_htmx_fragments_are_translated(world, pseudo):
    findings = {}
    for role in ("buyer", "seller", "staff"):
        client = _client(world["users"], role)
        for url in list(world["pages"][role])[:80]:
            if url.startswith("/admin/"):
                continue
            response = client.get(url, headers={"HX-Request": "true"})
            if _is_page(response) and (texts := untranslated(response.content.decode(), world["data"])):
                findings[f"{role} {url}"] = texts
    assert not findings, f"untranslated text in fragments:\n{_report(findings)}"


def test_form_errors_are_translated(world, pseudo):
    """Each form the crawl found, sent back empty: the errors and the page around them."""
    findings = {}
    for role in ("anonymous", "buyer", "seller", "courier"):
        client = _client(world["users"], role)
        for (target, _names), values in list(world["forms"][role].items())[:60]:
            emptied = {name: "" for name in values if name not in {"csrfmiddlewaretoken", "next"}}
            response = client.post(target, emptied)
            if response.status_code in {200, 400, 422} and "html" in response.get("Content-Type", ""):
                texts = untranslated(response.content.decode(), world["data"])
                if texts:  # read again with what the forms posted before made (an order from a chat's offer)
                    texts = untranslated(response.content.decode(), user_data())
                if texts:
                    findings[f"{role} POST {target}"] = texts
    assert not findings, f"untranslated text after a refused form:\n{_report(findings)}"


def test_emails_are_translated(world, pseudo, django_capture_on_commit_callbacks):
    """The emails Soko sends, each in its recipient's language: sign-up code, password
    reset, an order's news, a team invitation."""
    mail.outbox.clear()
    visitor = Client()
    visitor.cookies["soko_language"] = PSEUDO
    password = "a-long-Pass-123"
    visitor.post(
        "/accounts/signup/",
        {"intent": "shop", "display_name": "Neema", "email": "new@pseudo.test", "password1": password, "password2": password},
    )
    visitor.post("/accounts/password/reset/", {"email": "buyer@pseudo.test"})
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=world["order"], to=OrderStatus.CONFIRMED, actor=world["users"]["seller"], role=Role.SELLER)
        _client(world["users"], "seller").post("/dashboard/team/invite/", {"email": "helper@pseudo.test"})
    assert len(mail.outbox) >= 4, [message.subject for message in mail.outbox]
    data = world["data"]
    findings = {}
    for message in mail.outbox:
        texts = untranslated_text(f"{message.subject}\n{message.body}", data)
        if texts:
            findings[message.subject] = texts
    assert not findings, f"untranslated text in emails:\n{_report(findings)}"
