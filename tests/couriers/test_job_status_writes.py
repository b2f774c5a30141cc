"""No code sets a delivery job's status except ``couriers.services.job_transition`` (and
its conditional twin ``job_transition_where``), which check ``JOB_MOVES``: an AST scan of
the apps for ``job.status = …``, ``"status": J.…`` in a job's fields, ``status=J.…`` in an
``update``/``create``, and ``setattr(job, "status", …)``."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("shop", "sellers", "couriers", "returns")
ALLOWED = {("couriers/services.py", "job_transition"), ("couriers/services.py", "job_transition_where")}
WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create", "DeliveryJob"}


def _is_job_status(node) -> bool:
    """``J.OPEN`` (couriers' alias) or ``DeliveryJob.Status.OPEN``."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id == "J"
    return isinstance(owner, ast.Attribute) and owner.attr == "Status" and getattr(owner.value, "id", "") == "DeliveryJob"


def _is_job(node) -> bool:
    return isinstance(node, ast.Name) and "job" in node.id.lower()


def _targets(node):
    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
        yield from target.elts if isinstance(target, ast.Tuple) else [target]


def _writes(tree: ast.AST):
    """(line, function, what) for every status write on a job in ``tree``."""
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            value = getattr(node, "value", None)
            values = value.elts if isinstance(value, ast.Tuple) else [value]
            for target in _targets(node):
                on_a_job = isinstance(target, ast.Attribute) and (
                    _is_job(target.value) or any(_is_job_status(v) for v in values)
                )
                if on_a_job and target.attr == "status":
                    found.append((node.lineno, function, ast.unparse(target)))
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "status" and _is_job_status(value):
                    found.append((node.lineno, function, '"status": ' + ast.unparse(value)))
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in WRITES:
                for keyword in node.keywords:
                    if keyword.arg == "status" and _is_job_status(keyword.value):
                        found.append((node.lineno, function, f"{name}(status={ast.unparse(keyword.value)})"))
            named = len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"
            if name == "setattr" and named and _is_job(node.args[0]):
                found.append((node.lineno, function, ast.unparse(node)))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def test_only_job_transition_sets_a_delivery_jobs_status():
    offending = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/tests/" in relative:
                continue
            for line, function, what in _writes(ast.parse(path.read_text(), filename=relative)):
                if (relative, function) not in ALLOWED:
                    offending.append(f"{relative}:{line} in {function}(): {what}")
    assert offending == [], "set a job's status through couriers.services.job_transition:\n" + "\n".join(offending)


def test_the_scan_sees_each_kind_of_write():
    source = '''
def f(job, jobs):
    job.status = J.OPEN
    job.status, job.courier = J.OPEN, None
    fields = {"status": DeliveryJob.Status.OPEN}
    jobs.update(status=J.ACCEPTED)
    DeliveryJob(status=J.OPEN)
    setattr(job, "status", x)
    jobs.filter(status=J.OPEN)  # a lookup, not a write
'''
    assert [line for line, _function, _what in _writes(ast.parse(source))] == [3, 4, 5, 6, 7, 8]
