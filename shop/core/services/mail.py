"""Sending email: one place that makes subjects single-line, makes links absolute on the
site's address, and tells a failure that will happen again (a refused recipient, a
malformed address) from one that may pass (the mail server is down, a 4xx answer), so
callers retry only the second kind; and sending an email kept in a row (an invoice, a
notification's copy) at least once, whichever worker dies (``email_once``)."""

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

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


# How long a worker's claim on an email holds: longer than a send can take (EMAIL_TIMEOUT
# bounds each exchange with the mail server). A claim older than this was held by a worker
# that was lost (killed, its machine gone), and the next run sends the email.
EMAIL_CLAIM_LEASE = timedelta(minutes=10)


def email_once(
    model,
    pk: int,
    *,
    unsent: Q,
    send: Callable[[], dict | bool | None],
    sent: dict,
    refused: Callable[[PermanentMailError], dict] | None = None,
) -> bool | None:
    """Send the email of row ``pk`` of ``model`` (which has an ``email_claimed_at`` field) at
    least once, and twice only if a worker dies between the mail server's answer and the
    update after it. The row is claimed first with a conditional update, while it is
    ``unsent`` and no one holds it (or whoever did is gone: ``EMAIL_CLAIM_LEASE``), so two
    runs never send it together; the claim is the row's own, so a worker killed while
    sending leaves it to the next run of the job's sweep instead of losing it.

    ``send()`` renders and sends; it returns False when there was nothing to send (the row
    is written as sent all the same), or a dict of more fields to write with ``sent``.
    ``refused(error)``: the fields to write when the mail server refused it for good (it is
    never tried again); by default those of ``sent``. Any other failure releases the claim and propagates, for a retry.
    True when sent; False when not claimed, or nothing to send; None when refused."""
    now = timezone.now()
    rows = model.objects.filter(pk=pk)
    free = Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_CLAIM_LEASE)
    if not rows.filter(unsent).filter(free).update(email_claimed_at=now):
        return False
    try:
        result = send()
    except PermanentMailError as error:
        logger.warning("email of %s %s refused for good: %s", model._meta.model_name, pk, error)
        rows.update(email_claimed_at=None, **(refused(error) if refused else sent))
        return None
    except Exception:
        rows.update(email_claimed_at=None)
        raise
    rows.update(email_claimed_at=None, **sent, **(result if isinstance(result, dict) else {}))
    return result is not False
