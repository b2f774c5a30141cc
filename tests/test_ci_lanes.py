"""CI runs every test in scale mode and, in embedded mode, those marked `embedded`
(tests/conftest.py). A test written for SQLite alone, or one that branches on the database,
would then never run at all unless it is marked: these checks find such tests by reading
them, so a new one fails here until it is."""

import importlib.util
import json
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


def _durations_script():
    spec = importlib.util.spec_from_file_location("ci_durations", ROOT / ".ci" / "durations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _junit(path: Path, cases: list[tuple[str, str, float]]) -> None:
    rows = "".join(f'<testcase classname="{module}" name="{name}" time="{seconds}"/>' for module, name, seconds in cases)
    path.write_text(f'<?xml version="1.0"?><testsuites><testsuite name="pytest">{rows}</testsuite></testsuites>')


def test_a_runs_reports_become_the_stored_durations_without_the_database_setup(tmp_path, monkeypatch):
    durations = _durations_script()
    stored = {mode: tmp_path / f"{mode}.json" for mode in ("scale", "embedded")}
    gone, kept = "tests/test_gone.py::test_old", "tests/test_ci_lanes.py::test_not_run_this_time"
    for path in stored.values():
        path.write_text(json.dumps({gone: 9.0, kept: 4.0}))
    monkeypatch.setattr(durations, "STORED", stored)
    here = "tests.test_ci_lanes"
    _junit(tmp_path / "junit-scale-1.xml", [(here, "test_first[a]", 31.0), (here, "test_b", 2.0), (here, "test_c", 4.0)])
    _junit(tmp_path / "junit-scale-2.xml", [("tests.e2e.conftest", "test_x", 7.5)])
    _junit(tmp_path / "junit-embedded-1.xml", [(here, "test_e", 1.25)])
    _junit(tmp_path / "junit-embedded-2.xml", [])

    durations.main(tmp_path)

    scale = json.loads(stored["scale"].read_text())
    # The first test's 31 s were mostly the migrations: it counts as its module's median.
    assert scale == {
        "tests/test_ci_lanes.py::test_first[a]": 3.0,
        "tests/test_ci_lanes.py::test_b": 2.0,
        "tests/test_ci_lanes.py::test_c": 4.0,
        "tests/e2e/conftest.py::test_x": 0.5,
        kept: 4.0,
    }
    assert json.loads(stored["embedded"].read_text()) == {"tests/test_ci_lanes.py::test_e": 0.5, kept: 4.0}
