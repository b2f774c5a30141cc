"""Writing to someone in their own language.

A notification or an email is rendered for its recipient, not for whoever caused it: a
seller working in French confirms an order, and the buyer who reads Swahili is told in
Swahili. Callers build the text lazily (``lazy_text``) and ``speaking_to(recipient)``
renders it in the recipient's language and time zone.

The site's name (``SOKO_SITE_NAME``) is never written into a translatable string: a string
names it with a ``%(site)s`` placeholder, filled with the setting, or with ``SITE_NAME``
where the text is lazy (a model's choices, a form's label, a message built before it is read).
"""

import zoneinfo
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import lazy

from shop.core.validators import time_zone_names


def recipient_language(user) -> str:
    """The language to write to ``user`` in: their choice, else the site's default."""
    language = getattr(user, "language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@contextmanager
def speaking_to(user):
    """Texts rendered inside are in ``user``'s language and time zone."""
    zone = getattr(user, "time_zone", "")
    zone = zoneinfo.ZoneInfo(zone) if zone and zone in time_zone_names() else None
    with translation.override(recipient_language(user)), timezone.override(zone):
        yield


def _render(template, params: dict) -> str:
    text = str(template)
    return text % {key: str(value) for key, value in params.items()} if params else text


_render_lazy = lazy(_render, str)


def lazy_text(template, **params):
    """``template`` (a ``gettext_lazy`` string with ``%(name)s`` placeholders) filled with
    ``params`` when, and in the language in which, it is finally read. Parameters may be
    lazy themselves (a status label, ``lazy_money``)."""
    return _render_lazy(template, params)


def _site_name() -> str:
    return settings.SOKO_SITE_NAME


# The site's name, read when the text naming it is: ``lazy_text(gettext_lazy("%(site)s
# staff"), site=SITE_NAME)`` in a model's choices or a form's label made at import.
SITE_NAME = lazy(_site_name, str)()
