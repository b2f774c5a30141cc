"""The written map agrees with the code.

- The in-app import contracts (``tasks -> services -> selectors``) see at least 90 % of the
  logic lines (``tests/architecture.py`` says what counts).
- Every app of the project appears in the layout block of ``docs/ARCHITECTURE.md``.
- Every document a file names exists, and every project path the docs name exists.
- For each rule a newcomer asks about first, the map's "Where each rule lives" table names
  one file and what it defines there, and that file defines it.
"""

import ast
import re
from pathlib import Path

import pytest

from tests.architecture import ROOT, coverage

MAP = ROOT / "docs" / "ARCHITECTURE.md"
DOCS = [MAP, *sorted((ROOT / "docs").rglob("*.md"))]
NEWCOMER_RULES = [
    "Stock",
    "Platform fee",
    "Bid increment",
    "Handover code",
    "Refund",
    "Ledger posting",
    "Promo code use",
    "Report threshold",
    "Courier commission",
]
PROJECT_ROOTS = ("shop/", "sellers/", "couriers/", "returns/", "site_config/", "tests/", "bench/", "docs/", "templates/", "static/", ".ci/")


def section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/ARCHITECTURE.md has no '## {heading}' section"
    return match.group(1)


def test_the_in_app_contracts_see_nine_tenths_of_the_logic():
    seen, total, uncovered = coverage()
    largest = sorted(uncovered.items(), key=lambda item: -item[1])[:10]
    assert seen / total >= 0.90, f"the contracts see {seen} of {total} logic lines; largest unseen: {largest}"


def test_the_map_is_a_map():
    assert len(MAP.read_text().splitlines()) <= 300


def test_every_app_is_in_the_maps_layout():
    layout = section(MAP.read_text(), "Layout")
    block = re.search(r"```\w*\n(.*?)```", layout, re.S)
    assert block, "the Layout section starts with a code block listing the apps"
    listed = {line.split()[0].rstrip("/").replace("/", ".") for line in block.group(1).splitlines() if line.strip()}
    apps = {".".join(path.parent.relative_to(ROOT).parts) for path in ROOT.glob("*/apps.py")}
    apps |= {".".join(path.parent.relative_to(ROOT).parts) for path in ROOT.glob("shop/*/apps.py")}
    assert apps - {"site_config"} <= listed, f"apps missing from the map: {sorted(apps - listed)}"


def named_files() -> list[Path]:
    files = []
    for pattern in ("shop/**/*.py", "sellers/**/*.py", "couriers/**/*.py", "returns/**/*.py", "site_config/**/*.py",
                    "tests/**/*.py", "bench/*.py", "templates/**/*.html", ".ci/*", "Makefile", "README.md", "pyproject.toml"):
        files += [path for path in ROOT.glob(pattern) if path.is_file()]
    return files


def test_every_document_named_exists():
    missing = []
    for path in [*named_files(), *DOCS]:
        for name in re.findall(r"\bdocs/[\w./-]+\.md\b", path.read_text(errors="replace")):
            if not (ROOT / name).exists():
                missing.append(f"{path.relative_to(ROOT)} names {name}")
    assert missing == []


def test_every_project_path_the_docs_name_exists():
    missing = []
    for doc in DOCS:
        for name in re.findall(r"`([^`\s]+)`", doc.read_text()):
            name = name.split("::")[0].split(":")[0].rstrip(".,")
            if not name.startswith(PROJECT_ROOTS) or any(char in name for char in "<>*{}$"):
                continue
            module = name.rsplit(".", 1)[0]  # `tests/factories.totp_code`: a name in a module
            if not (ROOT / name).exists() and not (ROOT / f"{module}.py").is_file() and not (ROOT / module / "__init__.py").is_file():
                missing.append(f"{doc.relative_to(ROOT)} names {name}")
    assert missing == []


def top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def module_names_missing(name: str) -> bool:
    """`shop.x.y.name`: the longest prefix that is a module, and the next part defined in it."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:end])
        path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if path.is_file():
            return end < len(parts) and parts[end] not in top_level_names(path)
    return True


def test_every_module_the_docs_name_exists():
    missing = []
    for doc in DOCS:
        for name in re.findall(r"`((?:shop|sellers|couriers|returns)(?:\.\w+)+)(?:\(\))?`", doc.read_text()):
            if re.match(r"^\w+\.(add|change|delete|view)_\w+$", name):
                continue  # a permission (`returns.change_returnrequest`)
            if module_names_missing(name):
                missing.append(f"{doc.relative_to(ROOT)} names {name}")
    assert missing == []


def rule_rows() -> dict[str, tuple[list[str], list[str]]]:
    """Rule -> (the names that own it, the files named), from the map's table
    (``| rule | owner | file | record |``)."""
    table = section(MAP.read_text(), "Where each rule lives")
    rows = {}
    for line in table.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or set(cells[0]) <= set("-: ") or cells[0] == "rule":
            continue
        names = [
            name for name in re.findall(r"`([^`]+)`", cells[1])
            if all(part.isidentifier() for part in name.split(".")) and not name.startswith("SOKO_")
        ]
        rows[cells[0]] = (names, re.findall(r"`([^`]+)`", cells[2]))
    return rows


def defines(path: Path, name: str) -> bool:
    """The module defines ``name`` at its top level (``Class.name``: in that class's body)."""
    body = ast.parse(path.read_text()).body
    while "." in name:
        outer, name = name.split(".", 1)
        body = next((node.body for node in body if isinstance(node, ast.ClassDef) and node.name == outer), [])
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            return True
    return False


@pytest.mark.parametrize("rule", NEWCOMER_RULES)
def test_the_map_names_the_rules_a_newcomer_asks_for_first(rule):
    assert any(name.lower().startswith(rule.lower()) for name in rule_rows()), f"the map's rule table has no row '{rule}'"


def test_each_rule_in_the_map_is_defined_in_the_one_file_it_names():
    wrong = []
    for rule, (names, files) in rule_rows().items():
        if len(files) != 1 or not (ROOT / files[0]).is_file():
            wrong.append(f"{rule}: names {files or 'no file'}, not one existing file")
            continue
        wrong += [f"{rule}: {files[0]} does not define {name}" for name in names if not defines(ROOT / files[0], name)]
    assert wrong == []


def import_circles() -> list[list[str]]:
    """Groups of modules that import each other, directly or round a circle (Tarjan's
    strongly connected components over every import, lazy ones included)."""
    import grimp

    graph = grimp.build_graph("shop", "sellers", "couriers", "returns", "site_config", exclude_type_checking_imports=True)
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(start):
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, following = work[-1]
            for other in following:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append((other, iter(edges[other])))
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        circles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return circles


def test_no_import_circles(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    assert import_circles() == []


def test_tests_write_files_only_where_they_are_told():
    """A test keeps what it writes in pytest's tmp_path or a folder it is given (screenshots:
    ``SOKO_SHOTS_DIR`` through ``tests.e2e.pages.shot``), never at a path of one machine."""
    written = re.compile(r"""["'](/tmp/|/var/tmp/|/home/|/root/)""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if written.search(line)
    ]
    assert not found, found
