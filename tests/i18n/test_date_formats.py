"""Dates read day first, and times on a 24-hour clock, in every language Soko speaks: the
way shoppers in Kenya, Pakistan and Guinea write them (Django's English is American, and it
has no formats of its own for Swahili and Urdu)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from shop.chat.templatetags.chat import chat_when

MOMENT = datetime(2026, 11, 5, 16, 30, tzinfo=ZoneInfo("UTC"))
LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.mark.parametrize("language", LANGUAGES)
def test_short_dates_are_day_first_and_times_run_to_24_hours(language):
    with translation.override(language), timezone.override("UTC"):
        assert date_format(MOMENT, "SHORT_DATE_FORMAT") == "05/11/2026"
        assert date_format(MOMENT, "TIME_FORMAT") == "16:30"
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT").startswith("05/11/2026")
        long_date = date_format(MOMENT, "DATE_FORMAT")
        assert long_date.startswith("5 ") and long_date.endswith(" 2026")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_chat_row_dates_an_earlier_day_by_the_day_first(language):
    with translation.override(language), timezone.override("Africa/Nairobi"):
        now = timezone.now()
        earlier = now - timedelta(days=3)
        local = timezone.localtime(earlier)
        assert chat_when(earlier) == f"{local:%d/%m/%Y}"
        assert chat_when(now) == f"{timezone.localtime(now):%H:%M}"


def test_a_date_typed_day_first_is_read_day_first():
    with translation.override("en"):
        rendered = Template('{{ when|date:"SHORT_DATE_FORMAT" }}').render(Context({"when": MOMENT}))
    assert rendered == "05/11/2026"
    from django import forms

    class Form(forms.Form):
        day = forms.DateField()

    for language in LANGUAGES:
        with translation.override(language):
            for typed in ("2026-11-05", "05/11/2026"):
                form = Form({"day": typed})
                assert form.is_valid(), (language, typed, form.errors)
                assert form.cleaned_data["day"] == MOMENT.date()
