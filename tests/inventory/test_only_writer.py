"""No module but ``shop/inventory`` writes stock.

The rule: only ``shop/inventory`` changes ``Variant.stock`` or the ``Product.in_stock``
flag that follows it. Creating a variant with its initial stock (``Variant(stock=n)``,
``Variant.objects.create(stock=n)``) is the one thing others may do: a new row cannot
undo anybody's sale. Everything else outside ``shop/inventory`` — ``.update(stock=…)``,
``F("stock")`` arithmetic, ``x.stock = / += / -=``, ``setattr(x, "stock", …)``,
``bulk_update(…, ["stock"])``, ``save(update_fields=["stock"])``, SQL that sets it, or a
model form or admin that lists the stock field of ``Variant`` (its ``save()`` would write
it) — is a finding. Every app of the project is scanned, migrations and tests aside.

Checkout (reserve), cancellations and returns (release), sellers' and staff's edits
(adjust) must call ``shop.inventory.services`` instead, which locks in the one order that
keeps them from deadlocking and refuses stale edits.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCANNED = ["shop", "sellers", "couriers", "returns", "site_config"]
OWNER = ROOT / "shop" / "inventory"
STOCK_FIELDS = {"stock", "in_stock"}
SQL_WRITE = re.compile(r"\b(update|set)\b[^;]*\b(in_)?stock\s*=", re.IGNORECASE | re.DOTALL)


def _strings(node) -> set[str]:
    """String constants directly inside a list/tuple/set literal (or a lone string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return {element.value for element in node.elts if isinstance(element, ast.Constant) and isinstance(element.value, str)}
    return set()


def _names_variant(node) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Variant") or (
        isinstance(node, ast.Attribute) and node.attr == "Variant"
    )


def stock_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every write of stock in ``source`` (Python code)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in STOCK_FIELDS:
                        found.append((node.lineno, f"assigns .{part.attr}"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            if name in {"update", "update_or_create", "get_or_create"}:
                written = set(keywords) if name == "update" else set()
                defaults = keywords.get("defaults")
                if isinstance(defaults, ast.Dict):
                    written |= {key.value for key in defaults.keys if isinstance(key, ast.Constant)}
                for field in written & STOCK_FIELDS:
                    found.append((node.lineno, f"{name}({field}=…)"))
            if name == "bulk_update" and len(node.args) > 1 and _strings(node.args[1]) & STOCK_FIELDS:
                found.append((node.lineno, "bulk_update of stock"))
            if name == "bulk_update" and "fields" in keywords and _strings(keywords["fields"]) & STOCK_FIELDS:
                found.append((node.lineno, "bulk_update of stock"))
            if name == "save" and "update_fields" in keywords and _strings(keywords["update_fields"]) & STOCK_FIELDS:
                found.append((node.lineno, "save(update_fields=[stock])"))
            if name == "setattr" and len(node.args) > 1 and _strings(node.args[1]) & STOCK_FIELDS:
                found.append((node.lineno, "setattr(…, stock)"))
            if name == "F" and node.args and _strings(node.args[0]) & {"stock"}:
                found.append((node.lineno, 'F("stock") arithmetic'))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WRITE.search(node.value):
            if re.search(r"\bupdate\b", node.value, re.IGNORECASE):
                found.append((node.lineno, "SQL that sets stock"))
        elif isinstance(node, ast.ClassDef):
            found.extend(_form_lists_stock(node))
    return found


def _form_lists_stock(cls: ast.ClassDef) -> list[tuple[int, str]]:
    """A model form's ``Meta`` or an admin for ``Variant`` whose ``fields`` include stock."""
    assignments = {
        target.id: statement
        for statement in cls.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    model = assignments.get("model")
    fields = assignments.get("fields")
    if model is None or fields is None or not _names_variant(model.value):
        return []
    if _strings(fields.value) & STOCK_FIELDS:
        return [(fields.lineno, "a form or admin edits Variant.stock as a model field")]
    return []


def project_sources():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts or OWNER in path.parents:
                continue
            yield path


def test_no_module_outside_inventory_writes_stock():
    findings = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in project_sources()
        for line, what in stock_writes(path.read_text())
    ]

    assert findings == [], "Stock is written outside shop/inventory:\n" + "\n".join(findings)


def test_the_scan_covers_every_app_and_the_inventory_module_really_writes():
    scanned = {path.relative_to(ROOT).parts[0] for path in project_sources()}
    assert {"shop", "sellers", "couriers", "returns"} <= scanned
    assert stock_writes((OWNER / "services.py").read_text()), "the owner's writes must be visible to this scan"


SAMPLES_THAT_WRITE = [
    'Variant.objects.filter(pk=1).update(stock=F("stock") - 1)',
    "Variant.objects.filter(product=p).update(stock=5)",
    "variant.stock -= 2",
    "variant.stock = 10",
    "locked[pk].stock += quantity",
    "Product.objects.filter(pk=1).update(in_stock=True)",
    'Variant.objects.bulk_update(variants, ["price", "stock"])',
    'variant.save(update_fields=["stock"])',
    'setattr(variant, "stock", 3)',
    'Variant.objects.update_or_create(sku="A", defaults={"stock": 4})',
    'cursor.execute("UPDATE catalog_variant SET stock = stock - 1 WHERE id = %s", [pk])',
    'class VariantForm(ModelForm):\n    class Meta:\n        model = Variant\n        fields = ["name", "stock"]',
    'class VariantInline(admin.TabularInline):\n    model = Variant\n    fields = ["name", "stock"]',
]
SAMPLES_THAT_DO_NOT = [
    "Variant.objects.create(product=p, name='Red', price=1, stock=4)",
    "Variant(product=p, stock=row.stock)",
    "if variant.stock <= 0: pass",
    "Variant.objects.filter(stock__gt=0)",
    'class VariantForm(ModelForm):\n    class Meta:\n        model = Variant\n        fields = ["name", "price"]',
    'class OrderItemInline(admin.TabularInline):\n    model = OrderItem\n    fields = ["quantity", "stock"]',
]


def test_the_scan_recognises_each_kind_of_write():
    missed = [sample for sample in SAMPLES_THAT_WRITE if not stock_writes(sample)]
    assert missed == []


def test_the_scan_lets_creation_and_reads_through():
    flagged = [sample for sample in SAMPLES_THAT_DO_NOT if stock_writes(sample)]
    assert flagged == []
