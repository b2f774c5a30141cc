"""Accessibility rules every template keeps, read from the template files themselves, so a
new template is covered the day it is added.

``aria-label`` names an element only where the element has a role that takes a name (a
link, a button, a form field, a landmark, a list, an image...). On a role-less ``span``,
``div``, ``i`` or ``p`` assistive technology ignores it, or it hides the text inside (a
link's count), so what it says is lost: say it with visually hidden text instead. And on a
link or button it replaces what the element holds: a value shown inside (a count, a name)
must be part of its name, so such an element has no ``aria-label``.
"""

import re
from pathlib import Path

from django.conf import settings
from django.template.utils import get_app_template_dirs

from tests.html import OpenElements

# Elements whose implicit role is generic (or one that may not be named): ARIA 1.2 forbids
# naming them without an explicit role.
UNNAMEABLE = {
    "b", "bdi", "bdo", "code", "data", "del", "div", "em", "i", "ins", "label", "legend", "mark", "p", "pre", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
}  # fmt: skip
GENERIC_ROLES = {"", "generic", "presentation", "none"}
# Elements named by what they hold, and the template code that shows a value inside them.
NAMED_BY_CONTENT = {"a", "button", "summary"}
SHOWS_A_VALUE = re.compile(r"\{\{.*?\}\}|\{%\s*include\b", re.S)


class NamedWithoutRole(OpenElements):
    """Finds elements named with no role to carry the name."""

    def opened(self, tag, attributes, line):
        named = "aria-label" in attributes or "aria-labelledby" in attributes
        if named and tag in UNNAMEABLE and (attributes.get("role") or "").strip() in GENERIC_ROLES:
            self.found.append(f"<{tag}> at line {line}")


class LabelHidesValue(OpenElements):
    """Finds links and buttons with an ``aria-label`` that show a value inside."""

    def handle_data(self, data):
        if SHOWS_A_VALUE.search(data):
            self.found += [
                f"<{tag}> at line {line}" for tag, attributes, line in self.open if tag in NAMED_BY_CONTENT and "aria-label" in attributes
            ]


def templates() -> list[Path]:
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    roots += [
        Path(directory)
        for directory in get_app_template_dirs("templates")
        if "site-packages" not in Path(directory).parts  # Soko's apps only
    ]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_templates_are_found():
    assert len(templates()) > 100


def places(parser_class) -> list[str]:
    found = []
    for path in templates():
        parser = parser_class()
        parser.feed(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(settings.BASE_DIR)}: {place}" for place in sorted(set(parser.found))]
    return found


def test_no_template_names_an_element_that_has_no_role():
    misused = places(NamedWithoutRole)
    assert misused == [], "aria-label on an element without a role:\n" + "\n".join(misused)


def test_no_link_or_button_hides_the_value_it_shows_behind_a_label():
    misused = places(LabelHidesValue)
    assert misused == [], "aria-label hides what the element shows (say it with visually hidden text):\n" + "\n".join(
        misused
    )


class LiveRegionProblems(OpenElements):
    """Finds live regions that cannot announce: one that a swap replaces (out of band, a
    live part, or the outerHTML target of a request) is a new element each time, and one
    holding a countdown would speak every second."""

    def __init__(self, replaced_ids: set[str]):
        super().__init__()
        self.replaced_ids = replaced_ids

    def opened(self, tag, attributes, line):
        if _is_live(attributes) and (
            "hx-swap-oob" in attributes or "data-live-part" in attributes or attributes.get("id") in self.replaced_ids
        ):
            self.found.append(f"<{tag}> at line {line}: a live region that a swap replaces")
        if "data-countdown" in attributes and any(_is_live(open_attributes) for _, open_attributes, _ in self.open):
            self.found.append(f"<{tag}> at line {line}: a countdown inside a live region")


def _is_live(attributes: dict) -> bool:
    return (attributes.get("aria-live") or "off") != "off"


OUTER_TARGET = re.compile(r'hx-target="#([\w-]+)"[^>]*hx-swap="outerHTML')


def test_live_regions_stay_on_the_page_and_never_tick():
    problems = []
    for path in templates():
        source = path.read_text(encoding="utf-8")
        parser = LiveRegionProblems(set(OUTER_TARGET.findall(source)))
        parser.feed(source)
        problems += [f"{path.relative_to(settings.BASE_DIR)}: {place}" for place in parser.found]
    assert problems == [], "\n".join(problems)
