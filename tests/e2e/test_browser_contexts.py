"""Every browser test opens its context through ``open_context`` (tests/e2e/conftest.py), so
each page the tests drive has motion reduced: a button is where Playwright saw it when the
click lands. A context opened another way would glide again (Bootstrap's smooth scroll to a
focused field), and its clicks could miss on a busy machine."""

import ast
from pathlib import Path

import pytest

from tests.e2e.pages import log_in
from tests.factories import UserFactory

TESTS = Path(__file__).resolve().parent.parent


def _context_openers() -> list[str]:
    """Where in the tests a browser context is opened: "path:function" for each call."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "new_context":
                    found.append(f"{path.relative_to(TESTS)}:{function.name}")
    return found


def test_browser_contexts_are_opened_in_one_place():
    assert _context_openers() == ["e2e/conftest.py:open_context"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_test_page_does_not_scroll_smoothly(new_page):
    user = UserFactory(email="still@example.test")
    page = new_page()
    log_in(page, user.email)
    page.goto("/checkout/")
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    assert page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") == "auto"
