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


def _htmx_config() -> dict:
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    return json.loads(re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base).group(1))


def test_htmx_injects_no_indicator_styles():
    assert _htmx_config()["includeIndicatorStyles"] is False


def test_htmx_settles_no_style_attribute():
    """htmx's settle step copies the old element's settled attributes onto its replacement
    with ``setAttribute``: a ``style`` a script set (Leaflet's map, a progress bar) would be
    written back as an inline style, which the policy refuses on every swap."""
    assert "style" not in _htmx_config().get("attributesToSettle", ["class", "style", "width", "height"])


def test_no_page_htmx_may_fetch_has_a_style_element():
    """htmx reads a whole page to take a part of it (``hx-select``), and a ``<style>`` in it
    carries that response's nonce, not the open page's: the browser refuses it on every
    refresh. Styles come from static files; only the API's docs page, which htmx never
    fetches, keeps one."""
    found = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"<style[\s>]", path.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert found == ["templates/api/docs.html"]
