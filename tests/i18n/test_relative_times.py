"""Spans of time read in the reader's language: Django's ``timesince``, ``timeuntil`` and
``naturaltime`` fall back to English in Swahili and Urdu ("3 hours ago" on an Urdu page), so
every page says them through shop.core.selectors.times, from Babel's CLDR data."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shop.core.selectors.times import time_ago, time_span
from tests.factories import NotificationFactory

ROOT = Path(settings.BASE_DIR)
DJANGO_SPANS = re.compile(r"\|\s*(timesince|timeuntil|naturaltime)\b|\b(timesince|timeuntil|naturaltime)\(")
SKIP = {".venv", "node_modules", "staticfiles", "tests", "bench"}


def _our_files():
    for pattern in ("*.html", "*.txt", "*.py"):
        for path in ROOT.rglob(pattern):
            parts = path.relative_to(ROOT).parts
            if not {*parts} & SKIP and not any(part.startswith(".") for part in parts):
                yield path


def test_no_template_or_module_says_a_span_of_time_through_djangos_english_fallbacks():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _our_files()
        if path.name != "times.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DJANGO_SPANS.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("language", "ago", "span"),
    [
        ("en", "3 hours ago", "2 hours, 40 minutes"),
        ("fr", "il y a 3 heures", "2 heures et 40 minutes"),
        ("sw", "saa 3 zilizopita", "saa 2 na dakika 40"),
        ("ur", "3 گھنٹے پہلے", "2 گھنٹے، 40 منٹ"),
    ],
)
def test_spans_of_time_are_in_the_readers_language(language, ago, span):
    now = timezone.now()
    with translation.override(language):
        said = time_ago(now - timedelta(hours=2, minutes=40), now=now), time_span(timedelta(hours=2, minutes=40))
    assert [words.replace("\xa0", " ") for words in said] == [ago, span]  # French puts no-break spaces in some


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (timedelta(seconds=0), "0 seconds"),
        (timedelta(seconds=59), "59 seconds"),
        (timedelta(minutes=5, seconds=30), "5 minutes"),
        (timedelta(hours=23, minutes=59), "23 hours, 59 minutes"),
        (timedelta(days=1, minutes=3), "1 day"),
        (timedelta(days=2, hours=4), "2 days, 4 hours"),
        (timedelta(seconds=-30), "0 seconds"),
    ],
)
def test_a_span_names_its_two_largest_units_without_rounding_up(length, words):
    with translation.override("en"):
        assert time_span(length) == words


@pytest.mark.django_db
def test_a_notification_in_urdu_says_when_in_urdu():
    notification = NotificationFactory()
    notification.created_at = timezone.now() - timedelta(hours=3)
    with translation.override("ur"):
        row = render_to_string("notifications/_row.html", {"notification": notification})
    assert "3 گھنٹے پہلے" in row and "ago" not in row
