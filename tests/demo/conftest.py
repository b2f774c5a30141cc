"""The demo is seeded once for this folder's tests (seeding takes seconds): inside a transaction
that each test's own transaction nests in, as a savepoint rolled back after the test, and that
is rolled back after the folder's last test. Every test sees the demo as `seed_demo` left it,
whatever the tests before it did; a test that seeds again sees what a second run does."""

import io
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.factories import TEST_PASSWORD_HASHERS


@dataclass(frozen=True)
class Seeded:
    at: datetime  # when seeding finished
    out: str  # what seed_demo printed


@pytest.fixture(scope="package", autouse=True)
def demo_media(tmp_path_factory):
    """Demo pictures go to a throwaway folder, not the project's media."""
    root = tmp_path_factory.mktemp("demo")
    with override_settings(MEDIA_ROOT=root / "media", SOKO_PRIVATE_MEDIA_ROOT=str(root / "media-private")):
        yield


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, demo_media) -> Seeded:
    printed = io.StringIO()
    fast_hashing = override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS)
    # Rolled back afterwards; marked as a test case's own block (as Django's TestCase marks
    # its blocks), so the services' durable transactions run inside it as inside a test.
    seeding = transaction.atomic()
    seeding._from_testcase = True
    with django_db_blocker.unblock(), seeding:
        with fast_hashing:
            call_command("seed_demo", stdout=printed)
        yield Seeded(at=timezone.now(), out=printed.getvalue())
        transaction.set_rollback(True)
