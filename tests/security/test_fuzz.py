"""Hostile input on every URL: no 500, nothing slower than three seconds of work.

Every route the resolver knows (so a new view is covered the day it is added) is asked
for by each kind of user — anonymous, buyer, seller, courier, staff — with GET, POST and
htmx requests whose parameters (those its pages' links and forms use, plus common ones
such as ``next`` and ``page``) and path arguments carry hostile values: Unicode digits,
25-digit numbers, negatives, NUL, 5,000-character strings, markup, ``../``, relative and
absolute ``next`` targets. Runs on SQLite and, in CI's scale pass, on PostgreSQL.
"""

import re
import time
import uuid
from urllib.parse import quote

import pytest
from django.db import transaction
from django.http import HttpResponse

from tests.world import client_for, world_build

from .fuzz import (
    COMMON_PARAMS,
    HOSTILE,
    ROLES,
    SLOW_FACTOR,
    SLOW_SECONDS,
    Finding,
    crawl,
    request,
    route_fill,
    route_params,
    samples_new,
    slow_after,
    url_routes,
)

pytestmark = pytest.mark.django_db

ROUTES = url_routes()
# The values each field of a real form is tried with, one field at a time: those that broke
# views before (Unicode digits, a number too big for any column), and relative and foreign
# addresses for the fields that say where to go next. (Long text, markup and the rest reach
# every field in the rounds that make all fields hostile at once.)
FIELD_VALUES = ["²", "9" * 25]
ADDRESS_FIELD_VALUES = [*FIELD_VALUES, "foo", "//evil.example/"]
ADDRESS_FIELDS = ("next", "back", "url", "redirect")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Real objects for every page (tests/world.py), made once for the module inside a
    transaction that is rolled back at its end (as ``setUpTestData`` does); each test runs
    in a savepoint within it. The crawl then reads every role's pages."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_build(domain="fuzz.test")
        users = built["users"]
        samples = samples_new()
        findings: list[Finding] = []
        seeds = built["seeds"]
        for role in ROLES:
            crawl(client_for(users, role), role, seeds, samples, findings)
        yield {**built, "samples": samples, "crawl_findings": findings}
        transaction.set_rollback(True)


def test_the_crawl_reads_every_seed_page_without_a_server_error(world):
    assert not world["crawl_findings"], "\n".join(map(str, world["crawl_findings"]))


def test_every_route_is_fuzzed():
    """The parametrised test below covers what the resolver knows, admin included."""
    assert len(ROUTES) > 100
    assert any(route.startswith("admin/") for route in ROUTES)
    assert "p/<slug:slug>/" in ROUTES


def test_a_request_costing_more_than_the_pages_budget_is_a_finding():
    """The budget is SLOW_SECONDS, or SLOW_FACTOR times the page's plain GET when that cost more."""

    class Burning:
        def get(self, path, data, headers):
            until = time.thread_time() + float(path.strip("/"))
            while time.thread_time() < until:
                pass
            return HttpResponse()

    findings: list[Finding] = []
    cheap = request(Burning(), "buyer", "GET", "/0.01/", {}, {}, findings)
    assert slow_after(cheap) == SLOW_SECONDS and slow_after(None) == SLOW_SECONDS
    assert not findings
    request(Burning(), "buyer", "GET", "/0.06/", {}, {}, findings, slow=0.05)
    assert [finding.url for finding in findings] == ["/0.06/"]
    heavy = HttpResponse()
    heavy.cpu_seconds = SLOW_SECONDS
    assert slow_after(heavy) == SLOW_FACTOR * SLOW_SECONDS


def test_a_refused_form_whose_page_does_not_say_an_error_is_a_finding():
    """A page refusing a form (422) must say each error its bound forms hold; a 200 (a
    form shown again on purpose, as "Update totals" does) is left alone."""
    from django import forms
    from django.template import Context

    class Fee(forms.Form):
        fee = forms.DecimalField(min_value=0)

    def answer(status, said):
        response = HttpResponse(f"<p>{said}</p>", status=status)
        response.context = [Context({"form": Fee({"fee": "-5"}), "rows": [Fee({"fee": "x"})]})]
        return response

    class Page:
        def __init__(self, response):
            self.response = response

        def post(self, path, data, headers):
            return self.response

    def found(response):
        findings: list[Finding] = []
        request(Page(response), "seller", "POST", "/offer/", {}, {}, findings)
        return [finding.problem for finding in findings]

    less = "Ensure this value is greater than or equal to 0."
    assert found(answer(422, less)) == ["refused without saying why: Fee.fee: Enter a number."]
    assert found(answer(422, f"{less} Enter a number.")) == []
    assert found(answer(200, "")) == []


def test_each_field_of_a_real_form_meets_each_value_and_a_formsets_rows_count_once():
    real = {"title": "Basket", "next": "/", "v-TOTAL_FORMS": "2", "v-0-price": "1", "v-1-price": "2", "v-0-name": "Red"}
    tried = [
        (name, variant[name]) for variant in _real_form_variants(["title", "page"], real)
        for name in real if variant[name] != real[name]
    ]  # fmt: skip
    assert sorted(tried) == sorted(
        [("title", value) for value in FIELD_VALUES] + [("next", value) for value in ADDRESS_FIELD_VALUES]
        + [(name, value) for name in ("v-TOTAL_FORMS", "v-0-price", "v-0-name") for value in FIELD_VALUES]
    )  # fmt: skip


def _path_defaults(world) -> dict[str, str]:
    order = world["order"]
    return {
        "pk": str(world["product"].pk),
        "number": order.number,
        "slug": world["product"].slug,
        "reference": str(uuid.uuid4()),
        "token": "not-a-token",
        "object_id": str(world["product"].pk),
        "app_label": "catalog",
    }


def _gated(response) -> bool:
    """The role is turned away before the view reads its input: a login redirect or a 403/404."""
    if response is None:
        return False
    if response.status_code in {403, 404}:
        return True
    return response.status_code in {301, 302} and "/login" in response.get("Location", "")


def _hostile(names: list[str], offset: int) -> dict[str, str]:
    """Every name gets a hostile value, rotated so each value meets each name across rounds."""
    return {name: HOSTILE[(offset + index) % len(HOSTILE)] for index, name in enumerate(names)}


# A formset's row number in a field's name ("variants-2-price"): every row is the same form.
FORMSET_ROW = re.compile(r"-\d+-")


def _real_form_variants(names: list[str], real: dict[str, str]):
    """A real form made hostile in two ways, so a request gets past the checks of the
    fields it leaves alone: every value in the names the form lacks (``next``, ``page``…),
    then each of its own fields in turn with each of ``FIELD_VALUES`` (a formset's field in
    its first row only: the other rows are the same form)."""
    extra = [name for name in names if name not in real]
    for value in HOSTILE:
        yield {**real, **dict.fromkeys(extra, value)}
    tried = set()
    for name in sorted(real):
        if (kind := FORMSET_ROW.sub("-#-", name)) in tried:
            continue
        tried.add(kind)
        for value in ADDRESS_FIELD_VALUES if any(word in name for word in ADDRESS_FIELDS) else FIELD_VALUES:
            yield {**real, name: value}


@pytest.fixture(autouse=True)
def worker_alive(settings):
    """The world's worker beat when it was built, minutes before a route's turn: still alive."""
    settings.SOKO_WORKER_LATE_SECONDS = 24 * 3600


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_input_never_breaks_a_page(world, route):
    samples = world["samples"].get(route)
    admin = route.startswith("admin/")
    # The admin's pages are Django's own and slow to render: one address and one form each.
    paths = sorted(samples.paths)[: 1 if admin else 2] if samples and samples.paths else []
    if not paths:
        paths = [route_fill(route, _path_defaults(world))]
    names = sorted({*(samples.params if samples else ()), *COMMON_PARAMS})
    findings: list[Finding] = []
    for role in ROLES:
        if admin and role not in {"anonymous", "staff"}:
            continue
        client = client_for(world["users"], role)
        for index, path in enumerate(paths):
            baseline = request(client, role, "GET", path, {}, {}, findings)
            slow = slow_after(baseline)
            # A second address of the same route (another object) gets a lighter round.
            rounds = 3 if _gated(baseline) or index else len(HOSTILE)
            post_only = baseline is not None and baseline.status_code == 405
            for offset in range(rounds):
                data = _hostile(names, offset)
                htmx = {"HX-Request": "true"} if offset % 2 else {}
                if not post_only:
                    request(client, role, "GET", path, data, htmx, findings, slow=slow)
                request(client, role, "POST", path, data, htmx, findings, slow=slow)
            forms = (samples.forms[:1] if admin else samples.forms) if samples and not _gated(baseline) and not index else []
            for real in forms:
                for data in _real_form_variants(names, real):
                    request(client, role, "POST", path, data, {}, findings, slow=slow)
        # Hostile path arguments: each converter gets each value (the resolver keeps what fits).
        for param in route_params(route) if not _gated(baseline) or role == "anonymous" else []:
            for value in HOSTILE:
                hostile_path = route_fill(route, {**_path_defaults(world), param: quote(value, safe="")})
                request(client, role, "GET", hostile_path, {}, {}, findings)
    assert not findings, f"{len(findings)} problems:\n" + "\n".join(map(str, findings[:40]))

