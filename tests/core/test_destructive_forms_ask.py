"""A form that deletes or removes something for good asks first (``data-confirm``, answered
by static/js/soko.js). Taking a line out of the cart does not: it can be put back."""

import re
from pathlib import Path

from django.conf import settings

REVERSIBLE = {"cart:remove"}
FORM = re.compile(r"<form\b[^>]*>", re.S)
ACTION = re.compile(r"""action="\{% url '([\w:]+)'""")


def destructive_forms():
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for tag in FORM.findall(template.read_text()):
            action = ACTION.search(tag)
            if action and re.search(r"(delete|remove)$", action.group(1)) and action.group(1) not in REVERSIBLE:
                yield template.relative_to(settings.BASE_DIR), action.group(1), tag


def test_the_templates_have_forms_that_delete():
    names = {name for _, name, _ in destructive_forms()}
    assert {"sellers:blog_delete", "sellers:team_member_remove", "accounts:address_delete"} <= names


def test_every_form_that_deletes_for_good_asks_first():
    silent = [f"{path}: {name}" for path, name, tag in destructive_forms() if "data-confirm=" not in tag]
    assert silent == []
