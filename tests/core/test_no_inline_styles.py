"""The pages' CSP refuses inline styles (``style-src`` without 'unsafe-inline'). Templates
and Python modules are scanned in ``test_security_headers``; what else can put a style into
a page after it loaded is walked here: every script of ours (a style attribute written into
HTML or set as an attribute) and htmx's own indicator styles."""

import json
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", "vendor", "staticfiles", "htmlcov", "tests", "bench"}
# A style attribute inside a tag, a style element without the page's nonce, or a script
# writing one (setting ``element.style.x`` is CSSOM, which the policy allows).
INLINE_STYLE = re.compile(
    r"""<[a-z][^<>]*\sstyle\s*=|<style(?![^>]*\snonce=)[\s>]|setAttribute\(\s*["']style["']|\.cssText\s*=""", re.IGNORECASE
)


def _our_scripts() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.js")
        if not {*path.relative_to(ROOT).parts} & SKIP and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    ]


def test_the_walk_reads_every_live_pages_script():
    names = {path.relative_to(ROOT).as_posix() for path in _our_scripts()}
    assert {"static/js/soko.js", "shop/orders/static/orders/live.js", "shop/chat/static/chat/chat.js"} <= names


def test_no_script_of_ours_writes_an_inline_style():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in _our_scripts()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INLINE_STYLE.search(line) and not line.lstrip().startswith(("//", "*"))
    ]
    assert found == []


def test_htmx_injects_no_indicator_styles():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base).group(1))
    assert config["includeIndicatorStyles"] is False
