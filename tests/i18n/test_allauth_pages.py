"""django-allauth ships no Swahili or Urdu: the words of its pages a shopper meets are kept by
hand in locale_allauth/. Every allauth page a visitor or a signed-in shopper can open (walked
from the URL resolver) says none of allauth's own English words in those languages: a string
allauth adds or a page newly reachable shows up here."""

import re
from pathlib import Path

import allauth
import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHOWN_IN = ("placeholder", "aria-label", "title", "value")


def allauth_words() -> set[str]:
    """Every sentence allauth says, in English (from its French catalog, which has them all)."""
    with open(Path(allauth.__file__).parent / "locale/fr/LC_MESSAGES/django.po", "rb") as file:
        catalog = read_po(file)
    sentences = (message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id)
    return {sentence.strip() for sentence in sentences if re.search("[A-Za-z]{3}", sentence)}


def allauth_pages() -> list[str]:
    """allauth's pages that take no argument in their address."""
    found = []

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, prefix + str(pattern.pattern))
            elif "<" not in str(pattern.pattern) and pattern.callback.__module__.startswith("allauth"):
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver(), "/")
    return found


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def sentence_pattern(sentence: str) -> re.Pattern:
    """A sentence with placeholders ("You are already logged in as %(user_display)s.") as
    the pattern of what a page shows once they are filled in."""
    parts = PLACEHOLDER.split(sentence)
    return re.compile("^" + ".+?".join(re.escape(part) for part in parts) + "$", re.DOTALL)


def english_left(html: bytes, words: set[str]) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    shown = {" ".join(text.split()) for text in soup.find_all(string=True)}
    shown |= {value.strip() for tag in soup.find_all(True) for name in SHOWN_IN if isinstance(value := tag.get(name), str)}
    left = shown & words
    for sentence in (word for word in words if PLACEHOLDER.search(word)):
        pattern = sentence_pattern(sentence)
        left |= {sentence for text in shown if pattern.match(text)}
    return left


def test_a_sentence_with_placeholders_is_found_filled_in():
    words = {"You are already logged in as %(user_display)s.", "Sign In"}
    html = b"<p><strong>Note:</strong> You are already logged in as Fatoumata Camara.</p><a>Ingia</a>"
    assert english_left(html, words) == {"You are already logged in as %(user_display)s."}
    assert english_left(b"<p>Umeshaingia kama Fatoumata.</p>", words) == set()


@pytest.mark.parametrize("language", ["sw", "ur"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "shopper"])
def test_allauths_pages_say_none_of_its_english_words(language, signed_in):
    words, pages = allauth_words(), allauth_pages()
    client = Client(headers={"accept-language": language})
    if signed_in:
        client.force_login(UserFactory(language=language))
    left, read = {}, 0
    for url in pages:
        response = client.get(url, follow=True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        read += 1
        if untranslated := english_left(response.content, words):
            left[url] = sorted(untranslated)
    assert read >= 10, f"only {read} of allauth's {len(pages)} pages opened: the walk checked little"
    assert left == {}
