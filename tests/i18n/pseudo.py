"""A pseudo-language for finding text nobody marked for translation.

In the language ``xx`` every string that goes through gettext (Soko's, Django's, allauth's,
in templates, forms, messages and emails) comes out wrapped in ⟦ ⟧. A page rendered in it
shows three kinds of text: wrapped text (translatable), user data (names, descriptions,
addresses, from the database) and, if anything, text that is neither: a string someone
forgot to mark. ``untranslated`` finds that third kind.
"""

from __future__ import annotations

import re
import tempfile
import zoneinfo
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from django.apps import apps
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db import models
from django.test import override_settings
from django.utils.translation import trans_real

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"
_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
# Text that is never translated: numbers, currency codes, the site's name, the language
# switch's own names, addresses and links, and symbols.
_NEVER_TRANSLATED = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # email addresses
    re.compile(r"\bhttps?://\S*"),
    re.compile(r"\S*\*{4,}\S*|\bpbkdf2_sha256\b"),  # the admin's masked password hash
    re.compile(r"(?<![\w-])[A-Z0-9]{4}-[A-Z0-9]{4}(?![\w-])"),  # a sign-up code
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),  # UUIDs
    re.compile(r"\b(?:https?://|www\.)\S+"),
    re.compile(r"\b[\w-]+(?:\.[\w-]+)+/\S*"),  # a host and path shown as text: soko.test/s/shop/
    re.compile(r"\b(?:GNF|KES|PKR|USD|TOTP|CSV|Excel)\b"),  # codes and file-format names
    # Spans of time come from Babel's CLDR data in each real language (test_relative_times),
    # which has none for the pseudo-language: Babel says them in English.
    re.compile(r"\b(?:in )?\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)(?:(?:,| and) \d+ \w+)?(?: ago)?\b"),
]
# A word left over: two letters or more (an initial standing for a store's logo is data).
# What Django's admin itself shows without marking it for translation (its search icon's alt
# text, boolean icons, the automatic "ID" column and many-to-many "relationship" names, a help
# text of its password form): not ours to fix, so not counted on admin pages.
DJANGO_ADMIN_UNTRANSLATED = [
    re.compile(r"^(?:Search|True|False|ID)$"),
    re.compile(r"^[\w-]+ relationships?: .*$"),
    re.compile(r"Whether the user will be able to authenticate using a password or not\..*|If disabled, the current password for this user will be lost\."),
]
_WORD = re.compile(r"[^\W\d_]{2,}")
# Rows that are Django's bookkeeping, not text people typed ("order", "Can add order").
# (Permission names are stored in English when the tables are made: data, as far as pages go.)
NOT_USER_DATA = {"contenttypes.ContentType", "sessions.Session"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm", "aria-description"}
BUTTON_INPUTS = {"submit", "button", "reset"}
BOUNDARY = "\u0001"  # between text nodes


class PseudoTranslation(trans_real.DjangoTranslation):
    """English, every string wrapped in ⟦ ⟧ (``pgettext`` contexts dropped first)."""

    def __init__(self):
        super().__init__("en")
        self._DjangoTranslation__language = PSEUDO
        self._DjangoTranslation__to_language = PSEUDO

    @staticmethod
    def _mark(text: str) -> str:
        if trans_real.CONTEXT_SEPARATOR in text:
            text = text.split(trans_real.CONTEXT_SEPARATOR, 1)[1]
        return f"{OPEN}{text}{CLOSE}" if text.strip() else text

    def gettext(self, message):
        return self._mark(super().gettext(message))

    def ngettext(self, singular, plural, number):
        return self._mark(super().ngettext(singular, plural, number))


@contextmanager
def pseudo_language():
    """Make ``xx`` a language of the site (in LANGUAGES, with a catalog on disk so Django
    accepts it) whose translation is ``PseudoTranslation``."""
    with tempfile.TemporaryDirectory() as locale:
        messages = Path(locale) / PSEUDO / "LC_MESSAGES"
        messages.mkdir(parents=True)
        with (messages / "django.mo").open("wb") as mo:
            write_mo(mo, Catalog(locale="en"))
        languages = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
        with override_settings(LANGUAGES=languages, LOCALE_PATHS=[*settings.LOCALE_PATHS, locale]):
            trans_real._translations[PSEUDO] = PseudoTranslation()
            LANG_INFO[PSEUDO] = {"bidi": False, "code": PSEUDO, "name": "Pseudo", "name_local": "Pseudo"}
            try:
                yield
            finally:
                trans_real._translations.pop(PSEUDO, None)
                LANG_INFO.pop(PSEUDO, None)


def user_data() -> list[str]:
    """Every text value in the database (and each email's name part), longest first: what
    people typed is shown as they typed it."""
    values: set[str] = {settings.SOKO_SITE_NAME, "Pseudo", "testserver"}  # the test client's host, shown in web addresses
    for code, name in settings.LANGUAGES:  # the language switch names each in itself
        values.update({name, LANG_INFO.get(code, {}).get("name_local", name)})
    for model in apps.get_models():
        if model._meta.label in NOT_USER_DATA:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField)) and not field.choices
        ]
        if not names:
            continue
        for row in model._default_manager.values_list(*names):
            for value in row:
                values.update(_strings(value))
    values.update(value.split("@")[0] for value in list(values) if "@" in value)
    # Time zone names, offered by their IANA names ("Africa/Nairobi", shown as "Nairobi").
    zones = zoneinfo.available_timezones()
    values.update(zones, *((part.replace("_", " ") for part in (zone.rsplit("/", 1)[-1], zone.split("/", 1)[-1])) for zone in zones))
    return sorted((value for value in values if value.strip()), key=len, reverse=True)


def _strings(value):
    if isinstance(value, str):
        yield value
        yield from value.split(", ")  # tags and lists kept as text
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def leftover(text: str, data: list[str], *, admin: bool = False) -> str:
    """What remains of ``text`` once translated text, user data and never-translated text
    are taken out; empty when nothing is untranslated."""
    previous = None
    while previous != text:  # innermost first: a translated sentence may hold translated words
        previous, text = text, _MARKED.sub(" ", text)
    text = text.strip()
    for pattern in [*_NEVER_TRANSLATED, *(DJANGO_ADMIN_UNTRANSLATED if admin else [])]:
        text = pattern.sub(" ", text).strip()
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return " ".join(text.split()) if _WORD.search(text) else ""


class _TextReader(HTMLParser):
    """The text a person sees or hears: text nodes (not scripts, styles or textarea values)
    and the attributes read out or shown (title, placeholder, aria-label, alt, button values)."""

    SKIP = {"script", "style", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag in self.SKIP:
            self._skipping += 1
        for name in VISIBLE_ATTRIBUTES & attrs.keys():
            self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in BUTTON_INPUTS and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(data)


def untranslated(html: str, data: list[str], *, admin: bool = False) -> list[str]:
    """The pieces of a page's visible text that are neither translated nor user data. The
    page's text is read as one stream (a translated sentence may hold a link, so its marks
    open and close in different text nodes), then cut back into its nodes."""
    reader = _TextReader()
    reader.feed(html)
    stream = BOUNDARY.join(reader.texts)
    previous = None
    while previous != stream:
        previous, stream = stream, _MARKED.sub(" ", stream)
    found = []
    for text in stream.split(BOUNDARY):
        rest = leftover(text, data, admin=admin)
        if rest and rest not in found:
            found.append(rest)
    return found


def untranslated_text(text: str, data: list[str]) -> list[str]:
    """The same for plain text (an email): a translated sentence may run over several lines."""
    previous = None
    while previous != text:
        previous, text = text, _MARKED.sub(" ", text)
    return [rest for line in text.splitlines() if (rest := leftover(line, data))]
