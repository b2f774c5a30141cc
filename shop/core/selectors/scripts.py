"""Text people typed (a product's title, a store's name) placed among the page's own words.
``isolated`` wraps it in ``<bdi>`` so that neither's direction bends the other: on an Urdu page
an English title ending in punctuation keeps the punctuation at its own end ("sisal#", not
"#sisal"). Where its script tells its language, it is marked with it (``lang="ur"``), so that a
screen reader reads it with the right voice: Soko's languages are written in Latin script
(English, French, Swahili, which letters cannot tell apart) and Arabic script (Urdu only)."""

import unicodedata

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def script_language(text: str) -> str:
    """"ur" for text written mostly in Arabic script, "" when the script does not tell."""
    arabic = latin = 0
    for character in text:
        if not character.isalpha():
            continue
        name = unicodedata.name(character, "")
        if name.startswith("ARABIC"):
            arabic += 1
        elif name.startswith("LATIN"):
            latin += 1
    return "ur" if arabic > latin else ""


def isolated(text) -> SafeString:
    """``text`` (escaped unless already safe) in a ``<bdi>``, with its language where the page's differs."""
    if text is None or text == "":
        return SafeString("")
    language = script_language(str(text))
    if language and language != (get_language() or "").split("-")[0]:
        return format_html('<bdi lang="{}">{}</bdi>', language, conditional_escape(text))
    return format_html("<bdi>{}</bdi>", conditional_escape(text))


def isolated_text(text: str) -> str:
    """``text`` between Unicode's first-strong isolate and pop-directional isolate: the plain
    text form of ``isolated``, for sentences built in Python that may end up anywhere (a page,
    a message, an email)."""
    return f"\u2068{text}\u2069" if text else ""
