"""CI runs every test in scale mode and, in embedded mode, those marked `embedded`
(tests/conftest.py). A test written for SQLite alone, or one that branches on the database,
would then never run at all unless it is marked: these checks find such tests by reading
them, so a new one fails here until it is."""

import re
from pathlib import Path

from tests.conftest import EMBEDDED_TOO

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# A test module that asks which database, channel layer or queue it runs on.
ASKS_THE_MODE = re.compile(r"connection\.vendor|SCALE_MODE|HUEY_EMBEDDED_WORKER|InMemoryChannelLayer")


def _embedded_too(path: Path) -> bool:
    return str(path.relative_to(ROOT)).startswith(EMBEDDED_TOO)


def test_every_test_that_asks_which_database_it_has_runs_in_embedded_mode_too():
    asking = [
        path.relative_to(ROOT)
        for path in sorted(TESTS.rglob("test_*.py"))
        if "e2e" not in path.parts
        and path != Path(__file__).resolve()
        and ASKS_THE_MODE.search(path.read_text()) and not _embedded_too(path)
    ]
    assert not asking, f"add these to EMBEDDED_TOO in tests/conftest.py: {asking}"


def test_every_path_in_the_list_exists():
    assert [entry for entry in EMBEDDED_TOO if not (ROOT / entry).exists()] == []


def test_ci_runs_the_readmes_test_command_in_both_modes():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
    assert ci.count("make test PYTEST_ARGS=") == 2 and "-m embedded" in ci and "SOKO_REQUIRE_SERVICES=1" in ci
