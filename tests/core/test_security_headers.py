"""Every response carries the browser-side protections; with DEBUG=0 (checked in a fresh
process with a production environment) HSTS joins them. Templates keep no inline handler,
style attribute or inline script, which the Content-Security-Policy would block."""

import json
import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from tests.core.test_deploy_settings import manage

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(45), "ALLOWED_HOSTS": "shop.example.com",
    "SOKO_SITE_URL": "https://shop.example.com",
}
SCRIPT = """
import json
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="shop.example.com")
print(json.dumps(dict(response.headers)))
"""


def production_headers(**env) -> dict:
    result = manage("shell", "--no-imports", "-c", SCRIPT, **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_responses_carry_every_protection():
    headers = production_headers()
    policy = headers["Content-Security-Policy"]

    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "object-src 'none'" in policy and "form-action 'self'" in policy
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=(self)" in headers["Permissions-Policy"] and "microphone=()" in headers["Permissions-Policy"]


def test_pictures_from_a_media_origin_are_allowed_by_the_policy():
    policy = production_headers(SOKO_MEDIA_URL="https://media.example.com/")["Content-Security-Policy"]
    assert re.search(r"img-src [^;]*https://media\.example\.com", policy)


def test_development_pages_carry_the_same_policy(client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Permissions-Policy"]


def test_an_inline_style_block_gets_the_requests_nonce(client):
    """The API's docs page (never fetched by htmx) has the one inline style; it carries the nonce."""
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


INLINE = re.compile(r"""\son[a-z]+\s*=\s*["']|\sstyle\s*=\s*["']|javascript:|hx-on[:-]|<script(?![^>]*\ssrc=)(?![^>]*type="application/json")[^>]*>|<style(?![^>]*nonce=)""")


def test_no_python_code_writes_a_style_attribute():
    """Widgets' attrs and format_html snippets end up in pages too."""
    pattern = re.compile(r"""["']style["']\s*:|\sstyle=\\?["']""")
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for folder in ("shop", "sellers", "couriers", "returns", "site_config")
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_no_template_has_inline_handlers_styles_or_scripts():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates"), *Path(settings.BASE_DIR).glob("shop/*/templates")]
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0).strip()}"
        for root in roots
        for path in root.rglob("*.html")
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
