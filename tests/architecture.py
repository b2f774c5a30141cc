"""How much of Soko's logic the in-app import contracts see.

A *logic line* is a line of code (not blank, not a comment) in a Python module of the apps
that is not Django's plumbing: models, views (with their decorators and responses), URLs,
forms, admin, app configs, socket consumers and routing, template tags, management commands,
migrations, and package ``__init__`` files. A logic line is *covered* when its module is a layer (or inside a layer)
of a ``layers`` contract with containers in ``pyproject.toml``: the contract then forbids
it to import upwards (``tasks -> services -> selectors``).

``python -m tests.architecture`` prints the figure and the uncovered modules, largest first;
``tests/test_architecture.py`` holds it at 90 % or more.
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("shop", "sellers", "couriers", "returns")
PLUMBING = {
    "models", "views", "urls", "forms", "admin", "apps", "consumers", "routing", "templatetags",
    "management", "migrations", "__init__", "context_processors", "middleware", "tests", "decorators", "responses",
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def is_plumbing(path: Path) -> bool:
    parts = path.relative_to(ROOT).with_suffix("").parts
    name = parts[-1]
    return any(part in PLUMBING for part in parts[1:-1]) or name in PLUMBING or name.endswith(("_views", "_urls", "_forms"))


def code_lines(path: Path) -> int:
    count = 0
    in_docstring = False
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if in_docstring:
            if line.endswith(('"""', "'''")):
                in_docstring = False
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith(('"""', "'''")):
            if not (len(line) > 3 and line.endswith(('"""', "'''"))):
                in_docstring = True
            continue
        count += 1
    return count


def layer_prefixes() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    prefixes = []
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract.get("type") != "layers" or not contract.get("containers"):
            continue
        for container in contract["containers"]:
            for layer in contract["layers"]:
                for name in layer.split("|"):
                    prefixes.append(f"{container}.{name.strip().strip('()')}")
    return prefixes


def logic_modules() -> dict[str, int]:
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not is_plumbing(path):
                modules[module_name(path)] = code_lines(path)
    return modules


def covered(module: str, prefixes: list[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def coverage() -> tuple[int, int, dict[str, int]]:
    """(covered lines, logic lines, uncovered modules with their lines)."""
    prefixes = layer_prefixes()
    modules = logic_modules()
    uncovered = {name: lines for name, lines in modules.items() if not covered(name, prefixes)}
    total = sum(modules.values())
    return total - sum(uncovered.values()), total, uncovered


if __name__ == "__main__":
    seen, total, uncovered = coverage()
    print(f"contracts see {seen:,} of {total:,} logic lines ({100 * seen / total:.1f} %)")
    if "-v" in sys.argv:
        for name, lines in sorted(uncovered.items(), key=lambda item: -item[1]):
            print(f"{lines:6d}  {name}")
