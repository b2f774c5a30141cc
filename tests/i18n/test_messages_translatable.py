"""Every flash message is in the reader's language (decision 0011): a call to Django's
``messages`` (``messages.success(request, ...)``, ``messages.add_message(request, level,
...)``, and the admin's ``self.message_user(request, ...)``) is given a translated text, never a sentence built in English by hand.

The code is read (``ast``) from the same sources ``test_catalogs`` extracts marked strings
from, and a message fails when it is, or is built from, a plain string literal or an
f-string (``"Saved."``, ``f"{n} products archived."``, ``"Saved " + name``, ``"%s saved" %
name``) not wrapped in a gettext call (the ``KEYWORDS`` ``test_catalogs`` extracts). A name
is followed to what its function or module assigns it, so ``text = f"..."`` then
``messages.info(request, text)`` fails too. ``str(error)``, a form's errors and other
values made elsewhere pass: those are checked where they are made."""

import ast

from tests.i18n.test_catalogs import KEYWORDS, ROOT, SOURCES

GETTEXT = set(KEYWORDS)
LEVELS = {"debug", "info", "success", "warning", "error"}


def _sources():
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _messages_names(tree: ast.Module) -> set[str]:
    """The names ``django.contrib.messages`` is bound to in the module."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.contrib":
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "messages"}
        elif isinstance(node, ast.Import):
            names |= {alias.asname for alias in node.names if alias.name == "django.contrib.messages" and alias.asname}
    return names


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _has_letters(value) -> bool:
    return isinstance(value, str) and any(character.isalpha() for character in value)


class _Scopes:
    """What each name is assigned, per function (and for the module), to follow a name to
    the text it holds."""

    def __init__(self, tree: ast.Module):
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.tree = tree

    def scope_of(self, node: ast.AST) -> ast.AST:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
        return self.tree

    def assigned(self, name: str, scope: ast.AST) -> list[ast.expr]:
        values = []
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                targets = [node.target]
            else:
                continue
            if any(isinstance(target, ast.Name) and target.id == name for target in targets):
                values.append(node.value)
        return values


def _untranslated(node: ast.expr, scopes: _Scopes, seen: frozenset = frozenset()) -> bool:
    """``node`` is (or builds) text from literals that no gettext call translates."""
    if isinstance(node, ast.Constant):
        return _has_letters(node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        literal = any(
            isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, str))
            for side in (node.left, node.right)
        )
        return literal or _untranslated(node.left, scopes, seen) or _untranslated(node.right, scopes, seen)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _untranslated(node.left, scopes, seen)
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body, scopes, seen) or _untranslated(node.orelse, scopes, seen)
    if isinstance(node, ast.Call):
        if _callee(node) in GETTEXT:
            return False
        # "Saved {}.".format(name): the literal is English (" ".join(...) glues only).
        func = node.func
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant) and _has_letters(func.value.value)
    if isinstance(node, ast.Name) and node.id not in seen:
        seen = seen | {node.id}
        scope = scopes.scope_of(node)
        values = scopes.assigned(node.id, scope) or (scopes.assigned(node.id, scopes.tree) if scope is not scopes.tree else [])
        return any(_untranslated(value, scopes, seen) for value in values)
    return False


def _message_argument(call: ast.Call) -> ast.expr | None:
    position = 2 if _callee(call) == "add_message" else 1
    if len(call.args) > position:
        return call.args[position]
    return next((keyword.value for keyword in call.keywords if keyword.arg == "message"), None)


def untranslated_messages(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = _messages_names(tree)
    scopes = _Scopes(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner, name = node.func.value, node.func.attr
        flash = isinstance(owner, ast.Name) and owner.id in names and name in LEVELS | {"add_message"}
        if not (flash or name == "message_user"):  # the admin's ``self.message_user(request, ...)``
            continue
        message = _message_argument(node)
        if message is not None and _untranslated(message, scopes):
            found.append((str(path.relative_to(ROOT)), node.lineno, ast.unparse(message)))
    return found


def test_no_flash_message_is_english_built_by_hand():
    found = [
        f"{where}:{line}: {code[:80]}"
        for path in _sources()
        for where, line, code in untranslated_messages(path)
    ]
    assert found == [], "flash messages not translated (use gettext / ngettext with placeholders):\n" + "\n".join(found)


def _check(code: str) -> list[str]:
    class Source:
        def read_text(self, encoding):
            return "from django.contrib import messages\nfrom django.utils.translation import gettext as _\n" + code

        def relative_to(self, root):
            return "example.py"

    return untranslated_messages(Source())


def test_the_check_tells_hand_built_messages_from_translated_ones():
    refused = [
        'messages.info(request, "Saved.")',
        'messages.info(request, f"You are now working on {name}.")',
        'messages.error(request, "Saved " + name)',
        'messages.error(request, "%s saved." % name)',
        'messages.add_message(request, messages.INFO, "Saved.")',
        'messages.success(request, message="Saved.")',
        'messages.warning(request, "Saved {}.".format(name))',
        'self.message_user(request, f"{auction}: {error}", messages.WARNING)',
        'messages.error(request, f"{label}: {error}" if label else error)',
        'def view(request):\n    text = f"{n} products archived."\n    messages.success(request, text)',
        'def view(request):\n    messages.success(request, str(n) + " archived.")',
    ]
    passed = [
        'messages.info(request, _("Saved."))',
        'messages.info(request, _("You are now working on %(store)s.") % {"store": name})',
        'messages.error(request, str(error))',
        'messages.error(request, " ".join(error.messages))',
        'messages.add_message(request, level, result.message)',
        'self.message_user(request, _("%(item)s: %(error)s") % {"item": item, "error": error})',
        'messages.success(request, ngettext("%(n)s product archived.", "%(n)s products archived.", n) % {"n": n})',
        'def view(request):\n    text = _("Saved.")\n    messages.success(request, text)',
    ]
    assert [code for code in refused if not _check(code)] == []
    assert [code for code in passed if _check(code)] == []
