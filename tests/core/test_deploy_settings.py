"""Production start-up, checked in a fresh process with a production-like environment."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.production_server import collected_static, production_env


def manage(*args, **env_changes):
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "SOKO_SITE_URL", "DEBUG"}}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_operator_with_production_environment_passes_the_deploy_check():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(45), ALLOWED_HOSTS="shop.example.com",
        SOKO_SITE_URL="https://shop.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_operator_forgetting_the_secret_key_is_told_to_set_it():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="shop.example.com", SOKO_SITE_URL="https://shop.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set in the environment" in result.stderr


def test_operator_forgetting_the_site_address_is_told_to_set_it():
    """Emails are read away from any request: their links need the address people use."""
    result = manage("check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(45), ALLOWED_HOSTS="shop.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SOKO_SITE_URL must be set in the environment" in result.stderr


@pytest.mark.parametrize("address", ["shop.example.com", "https://shop.example.com/soko/", "ftp://shop.example.com"])
def test_a_site_address_that_is_not_a_scheme_and_host_is_refused(address):
    result = manage(
        "check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(45), ALLOWED_HOSTS="shop.example.com", SOKO_SITE_URL=address
    )

    assert result.returncode != 0
    assert "SOKO_SITE_URL must be the site's scheme and host" in result.stderr


def test_the_release_step_collects_and_compresses_every_static_file(tmp_path):
    """collectstatic with the production storage follows every url() and source map a
    stylesheet names: a vendored file that points at a missing one fails the release. The
    collection is the one this session's production servers are started with (made here
    when none is yet)."""
    env = production_env(host="shop.example.com", workdir=tmp_path, db_name=settings.DATABASES["default"]["NAME"])
    root = collected_static(env, tmp_path / "collectstatic.log")

    assert (root / "staticfiles.json").exists()
    assert list((root / "vendor" / "bootstrap").glob("bootstrap.rtl.min.*.css"))
    assert list((root / "vendor" / "bootstrap").glob("bootstrap.rtl.min.*.css.gz"))
