"""The French, Swahili and Urdu catalogs are complete, current and safe to format.

- Every entry is translated and none is fuzzy.
- Every string the code and templates mark is in each catalog (read here with Babel and
  Django's own template-to-gettext conversion, so no GNU gettext is needed): a new string
  fails this test until ``make messages`` has run and the translation is written.
- A translation keeps its msgid's placeholders (``%(name)s``): a lost or misspelt one
  would raise while formatting, or show a blank.
"""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
SOURCES = ["shop", "sellers", "couriers", "returns", "site_config"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|%[sdf]|\{\w*\}")
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_lazy": None, "ngettext_lazy": (1, 2), "pgettext_lazy": ((1, "c"), 2)}


def catalog(language: str, domain: str = "django", folder: str = "locale"):
    path = ROOT / folder / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def _key(message, context) -> tuple:
    return (message if isinstance(message, str) else message[0], context or None)


def source_messages() -> dict[tuple, str]:
    """(msgid, context) -> where, for every marked string in Python code and templates."""
    found: dict[tuple, str] = {}
    files = [path for source in SOURCES for path in (ROOT / source).rglob("*.py") if "migrations" not in path.parts]
    for path in files:
        with path.open("rb") as source:
            for _line, message, _comments, context in extract("python", source, keywords=KEYWORDS):
                found.setdefault(_key(message, context), str(path.relative_to(ROOT)))
    templates = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    templates += [path for source in SOURCES for path in (ROOT / source).rglob("templates/**/*.html")]
    for path in templates:
        # Django's template-to-gettext text keeps the template's indentation; every call sits
        # on one line, so the lines are read as separate statements.
        code = "\n".join(line.lstrip() for line in templatize(path.read_text(), origin=str(path)).splitlines())
        for _line, message, _comments, context in extract("python", io.BytesIO(code.encode()), keywords=KEYWORDS):
            found.setdefault(_key(message, context), str(path.relative_to(ROOT)))
    return {key: where for key, where in found.items() if key[0]}


def script_messages() -> dict[tuple, str]:
    found = {}
    scripts = [*(ROOT / "static" / "js").glob("*.js"), *(path for source in SOURCES for path in (ROOT / source).rglob("static/**/*.js"))]
    for path in scripts:
        with path.open("rb") as source:
            for _line, message, _comments, context in extract("javascript", source, keywords=DEFAULT_KEYWORDS):
                found.setdefault(_key(message, context), str(path.relative_to(ROOT)))
    return {key: where for key, where in found.items() if key[0]}


CATALOGS = [
    *((language, domain, "locale") for language in LANGUAGES for domain in ("django", "djangojs")),
    # allauth's sign-in pages and emails, for the languages allauth ships no catalog for.
    ("sw", "django", "locale_allauth"),
    ("ur", "django", "locale_allauth"),
]


@pytest.mark.parametrize(("language", "domain", "folder"), CATALOGS)
def test_every_entry_is_translated_and_none_is_fuzzy(language, domain, folder):
    entries = [message for message in catalog(language, domain, folder) if message.id]
    untranslated = [message.id for message in entries if not message.string or not all(message.string if isinstance(message.string, tuple) else [message.string])]
    fuzzy = [message.id for message in entries if message.fuzzy]
    assert (len(untranslated), len(fuzzy)) == (0, 0), f"{language}/{domain}: untranslated {untranslated[:10]}, fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogs(language):
    known = {(_key(message.id, message.context)) for message in catalog(language)}
    missing = {key: where for key, where in source_messages().items() if key not in known}
    assert not missing, f"{len(missing)} strings not in locale/{language} (run `make messages`, then translate): " + "; ".join(
        f"{where}: {key[0]!r}" for key, where in list(missing.items())[:15]
    )
    known_js = {(_key(message.id, message.context)) for message in catalog(language, "djangojs")}
    missing_js = {key: where for key, where in script_messages().items() if key not in known_js}
    assert not missing_js, f"scripts' strings not in locale/{language}/djangojs: {missing_js}"


@pytest.mark.parametrize(("language", "domain", "folder"), CATALOGS)
def test_translations_keep_their_placeholders(language, domain, folder):
    wrong = []
    for message in catalog(language, domain, folder):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(set(PLACEHOLDER.findall(ids[-1]))) if len(ids) > 1 else sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            got = sorted(set(PLACEHOLDER.findall(string))) if len(ids) > 1 else sorted(PLACEHOLDER.findall(string))
            # A plural form may leave the count out ("one item"), never add or misspell one.
            if len(ids) > 1 and set(got) <= set(expected):
                continue
            if got != expected:
                wrong.append((ids[0], string))
    assert not wrong, f"{language}/{domain}: placeholders differ: {wrong[:10]}"
