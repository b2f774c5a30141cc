"""One owner per row: an app's code writes only the rows of its own models.

An app may read another app's rows through a relation (``order.checkout``,
``checkout.orders``) and lock them (``select_for_update``) to keep a lock order, but it
does not write them: it returns what it computed to the owner, or announces it with a
signal the owner receives (payments' state of a checkout or an order is written by
``shop.orders.receivers``). Every module of the apps is read (its AST, not imported) and
fails on:

(a) a model class reached with ``related_model`` (``X._meta.get_field("f").related_model``,
    ``X.f.field.related_model``) whose queryset writes (``.update(``, ``.create(``,
    ``.delete(``…), or whose row fetched in a function is assigned to, saved or returned
    (the caller could write it): reading through it is fine;
(b) in a function, ``obj.field = …`` (or ``setattr``) followed by ``obj.save(``, or a
    queryset's ``.update(field=…)``, where ``field`` is a column of another app's model
    that none of the module's own app's models has.

``python -m pytest tests/test_ownership.py`` lists each place with its rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
APPS = ("shop", "sellers", "couriers", "returns")
WRITES = {"save", "update", "create", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
# A chain with one of these is a queryset's (``X.objects.filter(…).update(…)``), not a dict's.
QUERYSETS = {"objects", "filter", "exclude", "all", "select_for_update", "select_related"}
# The demo seeds every app's rows on purpose (``manage.py demo``): not an owner of any.
EXEMPT = ("shop.demo",)

# Writes these rules find that stay, each a higher app writing a lower app's rows on purpose:
# module -> what. No lower app writes a higher app's rows.
KNOWN = {
    "shop.inventory.services": "(b) the catalog's stock columns (the one writer, see pyproject's app-layers ignore)",
    "shop.moderation.accounts.services": "(b) a user's standing, suspension and session epoch (accounts' User rows)",
    "shop.orders.services.orders": "(b) the products' orders_count (popularity) when an order completes",
}


def _project_configs():
    return [config for config in apps.get_app_configs() if config.name.split(".")[0] in APPS]


def _columns(config) -> set[str]:
    """The columns of the app's models, and of the abstract models it declares for others to
    take (core's ``EmailKept``: the columns its mail service writes on the owner's row)."""
    names = set()
    for model in config.get_models():
        for field in model._meta.get_fields():
            if field.concrete:
                names.update({field.name, field.attname})
    module = config.models_module
    for value in vars(module).values() if module else ():
        if isinstance(value, type) and getattr(value, "_meta", None) and value._meta.abstract and value.__module__ == module.__name__:
            for field in value._meta.local_fields:
                names.update({field.name, field.attname})
    return names


def _app_of(module: str, configs):
    matches = [c for c in configs if module == c.name or module.startswith(c.name + ".")]
    return max(matches, key=lambda c: len(c.name)) if matches else None


def _root_name(node) -> str | None:
    """The name a chain of attributes, calls and subscripts starts from (``a`` in ``a.b().c``)."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _chain_methods(node) -> list[str]:
    """The attribute names along a chain of calls (``["objects", "filter", "update"]``)."""
    names = []
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return names[::-1]


def _targets(node) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found = []
        for target in node.targets:
            found += list(target.elts) if isinstance(target, ast.Tuple | ast.List) else [target]
        return found
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _enclosing_functions(tree) -> dict[int, list]:
    """id(node) -> the functions (nested ones too) that contain it."""
    enclosing: dict[int, list] = {}
    for function in _functions(tree):
        for node in ast.walk(function):
            enclosing.setdefault(id(node), []).append(function)
    return enclosing


def _functions(tree):
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _related_model_names(nodes) -> set[str]:
    """Names bound to a ``related_model`` by these statements (and what they contain)."""
    names = set()
    for node in (found for top in nodes for found in ast.walk(top)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr == "related_model":
            names.update(target.id for target in _targets(node) if isinstance(target, ast.Name))
    return names


def problems_in(source: str, *, own: set[str], foreign: set[str]) -> list[str]:
    """What rules (a) and (b) find in one module's source; ``own`` are its app's columns,
    ``foreign`` the other apps' columns."""
    tree = ast.parse(source)
    found = []
    module_level = _related_model_names(
        [node for node in tree.body if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    )
    enclosing = _enclosing_functions(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            related = module_level | _related_model_names(enclosing.get(id(node), []))
            methods = _chain_methods(node.func)
            if methods and methods[-1] in WRITES and (
                _root_name(node.func) in related or "related_model" in methods
            ):
                found.append(f"line {node.lineno}: (a) writes through related_model ({'.'.join(methods)})")
    foreign_only = foreign - own
    for function in _functions(tree):
        related = module_level | _related_model_names([function])
        fetched = set()  # rows fetched through a related_model name in this function
        assigned: dict[str, list[tuple[str, int]]] = {}
        saved = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _root_name(node.value) in related:
                fetched.update(target.id for target in _targets(node) if isinstance(target, ast.Name))
            for target in _targets(node):
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    assigned.setdefault(target.value.id, []).append((target.attr, node.lineno))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if node.func.attr == "save" and isinstance(owner, ast.Name):
                    saved.add(owner.id)
                if node.func.attr == "update" and QUERYSETS & set(_chain_methods(node.func)):
                    for keyword in node.keywords:
                        if keyword.arg in foreign_only:
                            found.append(f"line {node.lineno}: (b) .update({keyword.arg}=…) of another app's column")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name)
                and isinstance(node.args[1], ast.Constant)
            ):
                assigned.setdefault(node.args[0].id, []).append((node.args[1].value, node.lineno))
            if isinstance(node, ast.Return) and node.value is not None:
                returned = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for value in returned:
                    if isinstance(value, ast.Name) and value.id in fetched:
                        found.append(f"line {node.lineno}: (a) returns {value.id}, a row fetched through related_model")
        for name in fetched & (saved | set(assigned)):
            found.append(f"{function.name}: (a) writes {name}, a row fetched through related_model")
        for name in saved:
            for attr, line in assigned.get(name, []):
                if attr in foreign_only:
                    found.append(f"line {line}: (b) {name}.{attr} = … then {name}.save(): another app's column")
    return sorted(set(found))


def app_modules(root: Path = ROOT):
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield ".".join(path.relative_to(root).with_suffix("").parts), path


def all_problems(root: Path = ROOT) -> dict[str, list[str]]:
    """Module -> what the rules find in it, for the apps' files under ``root`` (another
    checkout of the project may be read with the models of this one)."""
    configs = _project_configs()
    columns = {config.label: _columns(config) for config in configs}
    every = set().union(*columns.values())
    result = {}
    for module, path in app_modules(root):
        config = _app_of(module, configs)
        if config is None or module.startswith(EXEMPT):
            continue
        own = columns[config.label]
        foreign = every - own
        found = problems_in(path.read_text(), own=own, foreign=foreign)
        if found:
            result[module] = found
    return result


@pytest.fixture(scope="module")
def problems():
    return all_problems()


def test_no_app_writes_another_apps_rows(problems):
    unexpected = {module: found for module, found in problems.items() if module not in KNOWN}
    assert not unexpected, "\n".join(f"{module}: {line}" for module, found in unexpected.items() for line in found)


def test_the_rules_see_payments_writing_the_orders_rows():
    """What payments did before orders owned its payment state: each rule finds it."""
    own, foreign = {"status", "message"}, {"payment_status", "paid_at", "fee", "funds_released_at"}
    locked = """
def _lock(attempt_id):
    checkout_model = PaymentAttempt._meta.get_field("checkout").related_model
    checkout = checkout_model.objects.select_for_update().get(pk=1)
    return checkout, None
"""
    paid = """
def _succeeded(checkout, attempt):
    checkout.payment_status = "paid"
    checkout.paid_at = attempt.finished_at
    checkout.save(update_fields=["payment_status", "paid_at", "updated_at"])
"""
    released = """
def order_funds_release(order):
    type(order).objects.filter(pk=order.pk).update(funds_released_at=now)
"""
    read = """
def invoice_issue(order_id):
    order_model = Invoice._meta.get_field("order").related_model
    order = order_model.objects.select_related("checkout").filter(pk=order_id).first()
    return Invoice.objects.get_or_create(order=order)
"""
    assert problems_in(locked, own=own, foreign=foreign)
    assert problems_in(paid, own=own, foreign=foreign)
    assert problems_in(released, own=own, foreign=foreign)
    assert not problems_in(read, own=own, foreign=foreign)
