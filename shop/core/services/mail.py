"""Sending email: one place that makes subjects single-line, makes links absolute on the
site's address, and tells a failure that will happen again (a refused recipient, a
malformed address) from one that may pass (the mail server is down, a 4xx answer), so
callers retry only the second kind."""

import logging
import smtplib
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 120


class PermanentMailError(Exception):
    """Sending this message again would fail the same way."""


def mail_subject(text: str) -> str:
    """One line: line breaks and runs of white space become one space; a long subject is cut
    with an ellipsis. (A line break in a header is refused by Django, on every attempt.)"""
    line = " ".join(str(text).split())
    return line if len(line) <= SUBJECT_MAX_LENGTH else line[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"


def site_url(path: str) -> str:
    """``path`` (``/returns/4/``) as a link that works from a mail client: absolute on
    ``SOKO_SITE_URL``. An absolute URL keeps its path, query and fragment and takes the
    site's address instead of its own (one built from the request that sent the mail)."""
    parts = urlsplit(str(path))
    return settings.SOKO_SITE_URL + urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))


def _permanent_code(code) -> bool:
    return isinstance(code, int) and 500 <= code < 600


def mail_send(
    *, subject: str, body: str, to: list[str], from_email: str | None = None, html: str | None = None, attachments=()
) -> None:
    """Send one message now (``attachments``: (file name, bytes, MIME type) each). Raises
    ``PermanentMailError`` for a failure that a retry would repeat; anything else
    (connection refused, a 4xx answer) propagates for a retry."""
    message = EmailMultiAlternatives(mail_subject(subject), body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    try:
        message.send()
    except (BadHeaderError, ValueError) as exc:  # ValueError: an address Django cannot encode
        raise PermanentMailError(str(exc)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        if all(_permanent_code(code) for code, _text in exc.recipients.values()):
            raise PermanentMailError(f"recipient refused: {exc.recipients}") from exc
        raise
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if _permanent_code(exc.smtp_code):
            raise PermanentMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise
