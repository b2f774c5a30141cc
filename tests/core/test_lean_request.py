"""A bare request does only the work it needs: the liveness probe is answered before the
middleware, and the Content-Security-Policy header is built once per process, the
request's nonce put in its slot."""

import re

import pytest
from csp.utils import build_policy
from django.http import HttpResponse

from shop.core.admin import ADMIN_CSP_UPDATE
from shop.core.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def test_liveness_probe_is_answered_without_session_database_or_headers_work(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]
    assert "Content-Security-Policy" not in response  # never rendered by a browser
    assert "Vary" not in response and not response.cookies


def test_the_readiness_probe_still_goes_through_the_whole_stack(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_each_page_gets_the_settings_policy_with_its_own_nonce(client):
    first, second = client.get("/api/v1/docs/"), client.get("/api/v1/docs/")

    nonces = [re.search(r'<style nonce="([^"]+)"', page.content.decode()).group(1) for page in (first, second)]
    assert nonces[0] != nonces[1]
    for page, nonce in zip((first, second), nonces, strict=True):
        assert page["Content-Security-Policy"] == build_policy(nonce=nonce)


def test_a_page_without_a_nonce_gets_the_policy_without_one(client):
    response = client.get("/robots.txt")

    assert response["Content-Security-Policy"] == build_policy()
    assert "nonce-" not in response["Content-Security-Policy"]


def test_a_changed_policy_setting_is_seen_at_once(client, settings):
    client.get("/robots.txt")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    assert client.get("/robots.txt")["Content-Security-Policy"] == "default-src 'none'"


def test_a_responses_own_policy_parts_are_still_applied(rf):
    """The admin's pages add to the policy (``_csp_update``)."""

    def admin_page(request):
        response = HttpResponse("admin")
        response._csp_update = ADMIN_CSP_UPDATE
        return response

    response = ContentSecurityPolicyMiddleware(admin_page)(rf.get("/admin/"))

    assert response["Content-Security-Policy"] == build_policy(update=ADMIN_CSP_UPDATE)
    assert "style-src-attr 'unsafe-inline'" in response["Content-Security-Policy"]
