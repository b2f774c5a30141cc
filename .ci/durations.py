"""Each mode's stored test durations, from the JUnit reports of a whole `.ci/run`.

    python3 .ci/durations.py WORKDIR

reads WORKDIR/junit-scale-1.xml, -2, WORKDIR/junit-embedded-1.xml, -2 (each lane's part of
each mode) and writes .ci/test-durations.json and .ci/test-durations-embedded.json, the
files pytest-split deals the tests out by: each test's setup, call and teardown, measured
as CI runs them (two lanes side by side), so the lanes it deals out end together.

The first test of each part also waited for the test database to be made (its migrations:
20 to 40 seconds, which every part pays once whichever tests it has); it is given the
median of its module's other tests instead. A test that did not run (a lane stopped at
its time limit) keeps its stored figure, unless its module is gone.
"""

import json
import statistics
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORED = {"scale": ROOT / ".ci" / "test-durations.json", "embedded": ROOT / ".ci" / "test-durations-embedded.json"}


def node_id(classname: str, name: str) -> str:
    """pytest's id of a JUnit test case: 'tests.e2e.test_chat' + 'test_x[p]' is
    'tests/e2e/test_chat.py::test_x[p]' (a class after the module: '::Class::test_x')."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        module = "/".join(parts[:end]) + ".py"
        if (ROOT / module).is_file():
            return "::".join([module, *parts[end:], name])
    raise ValueError(f"no test module for {classname}")


def measured(report: Path) -> dict[str, float]:
    cases = list(ET.parse(report).getroot().iter("testcase"))
    durations = {}
    for index, case in enumerate(cases):
        seconds = float(case.get("time", 0))
        if index == 0:
            others = [float(o.get("time", 0)) for o in cases[1:] if o.get("classname") == case.get("classname")]
            seconds = statistics.median(others) if others else 0.5
        durations[node_id(case.get("classname", ""), case.get("name", ""))] = round(seconds, 3)
    return durations


def main(workdir: Path) -> None:
    for mode, stored in STORED.items():
        fresh = {}
        for lane in (1, 2):
            fresh.update(measured(workdir / f"junit-{mode}-{lane}.xml"))
        old = json.loads(stored.read_text())
        kept = {test: seconds for test, seconds in old.items() if test not in fresh and (ROOT / test.split("::")[0]).is_file()}
        stored.write_text(json.dumps(dict(sorted({**kept, **fresh}.items())), indent=4) + "\n")
        print(f"{stored.name}: {len(fresh)} tests measured, {len(kept)} kept, {sum(fresh.values()) / 60:.1f} minutes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
