"""Each order rule is written once, and every caller asks its owner: a second copy is how
the rules drifted apart (a code accepted while pending, a Conakry store delivering to
Nairobi, three messages for one sold-out item). These read the source like a reviewer would."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("shop", "sellers", "couriers", "returns")


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def offenders(pattern: str, *, owners: set[str]) -> list[str]:
    regex = re.compile(pattern)
    return [
        f"{relative(path)}:{number}"
        for path in app_modules()
        if relative(path) not in owners
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if regex.search(line)
    ]


def test_the_modules_are_found():
    names = {relative(path) for path in app_modules()}
    assert {"shop/orders/selectors/handover.py", "shop/orders/services/checkout.py", "shop/cart/selectors/availability.py"} <= names


@pytest.mark.parametrize(
    ("rule", "pattern", "owners"),
    [
        ("product is on sale", r"status\s*(==|!=)\s*\S*Status\.ACTIVE\b", {"shop/catalog/models.py"}),
        ("store delivers home", r"delivers_(local|national|international)\s+(or|and)\b|\b(or|and)\s+\S*delivers_(local|national|international)\b", {"shop/geo/selectors/delivery.py"}),
        ("can this cart line be bought", r"[\"'](Sold out|No longer available)[: ]", {"shop/cart/selectors/availability.py"}),
        ("safe next URL", r"url_has_allowed_host_and_scheme", {"shop/core/redirects.py"}),
        ("handover code state", r"\.used_at\b|failed_attempts|SOKO_HANDOVER_MAX_ATTEMPTS", {"shop/orders/selectors/handover.py", "shop/orders/services/handover.py", "shop/orders/models.py"}),
        ("delivery area", r"area_locality|delivers only within", {"shop/geo/selectors/delivery.py", "shop/geo/selectors/areas.py"}),
        ("a search is cut to size", r"\b(query|q|search_term)(\.q)?\.split\(|\.get\(\s*\"q\"[^)]*\)\.strip\(\)\[", {"shop/core/search.py"}),
    ],
)
def test_each_rule_is_written_only_by_its_owner(rule, pattern, owners):
    assert offenders(pattern, owners=owners) == [], f"{rule!r} is written outside {sorted(owners)}"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def is_service_or_selector(path: Path) -> bool:
    stem = path.stem
    in_package = any(part in ("services", "selectors") for part in path.parent.parts)
    return stem.endswith(("services", "selectors")) or in_package or relative(path) in {"shop/orders/services/checkout.py", "shop/orders/selectors/handover.py"}


def test_services_and_selectors_neither_raise_http404_nor_import_template_tags():
    bad = []
    for path in app_modules():
        if not is_service_or_selector(path):
            continue
        for name in imports_of(path):
            if ".templatetags" in name or name.endswith(("Http404", "get_object_or_404")):
                bad.append(f"{relative(path)} imports {name}")
    assert bad == []


def app_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "shop" else parts[0]


def test_views_do_not_import_other_apps_views():
    bad = []
    for path in app_modules():
        if not (path.stem == "views" or path.stem.endswith("_views") or "views" in path.parent.parts):
            continue
        module = relative(path)[:-3].replace("/", ".")
        for name in imports_of(path):
            imported_module = name.rsplit(".", 1)[0] if name.rsplit(".", 1)[-1][:1].islower() else name
            is_views = any(part == "views" or part.endswith("_views") for part in name.split("."))
            if is_views and name.split(".")[0] in APPS and app_of(name) != app_of(module):
                bad.append(f"{module} imports {imported_module}")
    assert bad == []
