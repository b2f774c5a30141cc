"""The demo's accounts share a published password, staff included: a production site
(DEBUG=0) does not install the demo, and seed_demo refuses to run there unless the operator
asks for a demonstration site with SOKO_DEMO=1."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from shop.accounts.models import User


def test_seed_demo_refuses_when_the_demo_is_off(db, settings):
    settings.SOKO_DEMO = False
    users = User.objects.count()

    with pytest.raises(CommandError, match="SOKO_DEMO=1"):
        call_command("seed_demo")
    assert User.objects.count() == users


def test_seed_demo_refuses_in_production_with_a_clear_message():
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SOKO_DEMO"}}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(45), ALLOWED_HOSTS="shop.example.com", SOKO_SITE_URL="https://shop.example.com")

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "seed_demo refuses to run: the demo is off (DEBUG=0 without SOKO_DEMO=1)" in result.stderr
    assert "Demo data ready" not in result.stdout
