"""The OpenAPI 3.1 document describes every endpoint Soko serves under /api/v1/ (but the
sign-in endpoints, which allauth documents), with the problems each may answer; the docs
page runs from vendored files under the Content-Security-Policy."""

import re

import pytest
from django.urls import URLPattern, URLResolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from shop.api import urls as api_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        answer = Client().get("/api/v1/schema/?format=json")
    assert answer.status_code == 200
    return answer.json()


def soko_routes(entries=None, prefix: str = "/api/v1/") -> list[str]:
    """The API's own routes (``shop.api.urls.v1`` and each area's module), as OpenAPI paths."""
    routes = []
    for entry in api_urls.v1 if entries is None else entries:
        if isinstance(entry, URLResolver):
            routes += soko_routes(entry.url_patterns, prefix + str(entry.pattern))
            continue
        assert isinstance(entry, URLPattern)
        # drf-spectacular names a primary key ``id`` (SCHEMA_COERCE_PATH_PK).
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + str(entry.pattern))
        routes.append(route.replace("{pk}", "{id}"))
    return routes


def test_the_document_is_generated_without_a_warning_but_enum_names(db):
    """drf-spectacular's own notes: a type it had to guess, a field it could not read, an
    error. (The names it gives choice sets that share a field name are cosmetic.)"""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    notes = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()

    assert [note for note in notes if "enum naming" not in note and "names for the same choice set" not in note] == []


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate_schema(document)


def test_every_endpoint_but_the_documents_is_described(document):
    described = set(document["paths"])
    expected = {route for route in soko_routes() if not route.endswith(("/schema/", "/docs/"))}

    assert expected <= described
    assert described <= set(soko_routes())


def test_every_operation_names_the_problems_it_may_answer(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "429"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, (method, path, status)


def test_the_access_token_is_the_documented_scheme(document):
    assert document["components"]["securitySchemes"]["accessToken"]["scheme"] == "bearer"


def test_the_docs_page_loads_only_this_sites_files(client):
    page = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert page.status_code == 200
    assert "script-src 'self'" in page["Content-Security-Policy"]
    html = page.content.decode()
    assert "https://" not in html and "http://" not in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_path_that_names_no_endpoint_is_a_404_problem(client, method):
    answer = getattr(client, method)("/api/v1/favorites/stores/%C3%83/toggle/")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"
