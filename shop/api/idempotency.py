"""``Idempotency-Key`` on every POST that creates an order, a payment, a bid, a refund or a
message: an app that lost the answer sends the same request with the same key and gets the
first answer again, with ``Idempotent-Replayed: true``, and nothing happens twice.

The key is the app's own (a UUID is a good choice), kept per account for
``SOKO_API_IDEMPOTENCY_HOURS``. The same key with another request (another path or body) is
refused with ``idempotency_key_reused``; while the first request runs, a second one is
refused with ``idempotency_key_in_use``. Answers that say the request was carried out or
refused by a rule (2xx, 409) are kept; any other (a typo in the body, a 404, a server
error) is forgotten, so the app may correct the request and send it again with its key."""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from shop.core.client_keys import client_keys_kept_since

from .models import IdempotentRequest
from .problems import CONTENT_TYPE, problem_response

HEADER = "Idempotency-Key"
KEPT_STATUSES = range(200, 300), (409,)
KEY_PATTERN = "^[!-~]{1,255}$"
# On PostgreSQL the request running under a key holds a session advisory lock on its row
# while it runs: a process that dies (a lost web node) lets go of it with its connection,
# and the app's retry takes over at once. On SQLite (one process), or when a machine went
# away without closing its connections, a first request unanswered after STALE is dead.
STALE = timedelta(minutes=5)
LOCK_SPACE = 0x50C0  # the first key of these advisory locks; the second is the row's id

PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_PATTERN,
    description=(
        "A key of the app's own (a UUID, say) that names this request. Sending it again with "
        "the same request answers the first answer again, and nothing is done twice."
    ),
)


def idempotency_key(request) -> str:
    """The request's Idempotency-Key. A handler whose effect is a new row passes it on to be
    stored with the row (as a chat message's ``client_key``): a request whose runner died
    after its commit but before its answer was kept is run again by the app's retry, and
    must find that row instead of making a second one."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # the draft standard's quoted form
        key = key[1:-1]
    if not key or len(key) > 255 or not all("!" <= ch <= "~" for ch in key):
        raise ValidationError(
            {HEADER: [_("Send an Idempotency-Key header: up to 255 visible characters, a UUID say.")]}
        )
    return key


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = dict(data.lists())

    def upload(value):
        return [getattr(value, "name", ""), getattr(value, "size", 0)]

    described = json.dumps([request.method, request.path, data], sort_keys=True, default=upload)
    return hashlib.sha256(described.encode()).hexdigest()


def _claim(*, user, key: str, fingerprint: str) -> tuple[IdempotentRequest, Response | None]:
    """The record this request runs under, or the answer it gets instead of running."""
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(user=user, key=key, fingerprint=fingerprint)
            _running_lock(record.pk)  # held before the row can be seen
            return record, None
    except IntegrityError:
        pass
    earlier = IdempotentRequest.objects.filter(user=user, key=key).first()
    if earlier is not None and earlier.fingerprint != fingerprint:
        return earlier, problem_response(
            status_code=409,
            code="idempotency_key_reused",
            detail=_("This Idempotency-Key was sent before with another request: use a new key for a new request."),
        )
    if earlier is not None and earlier.status is not None:
        headers = {"Idempotent-Replayed": "true"}
        content_type = CONTENT_TYPE if earlier.status >= 400 else None
        return earlier, Response(earlier.body, status=earlier.status, headers=headers, content_type=content_type)
    if earlier is not None and _running_lock(earlier.pk, held_elsewhere=True):
        unanswered = IdempotentRequest.objects.filter(pk=earlier.pk, status__isnull=True)
        if unanswered.update(created_at=timezone.now()):  # its runner died: this one runs now
            return earlier, None
        _running_unlock(earlier.pk)
    taken_over = earlier is not None and IdempotentRequest.objects.filter(
        pk=earlier.pk, status__isnull=True, created_at__lt=timezone.now() - STALE
    ).update(created_at=timezone.now())
    if taken_over:
        return earlier, None
    return earlier, problem_response(
        status_code=409,
        code="idempotency_key_in_use",
        detail=_("A request with this Idempotency-Key is still running: ask again in a moment."),
        headers={"Retry-After": "1"},
    )


def _running_lock(pk: int, *, held_elsewhere: bool = False) -> bool:
    """Take the lock that says the request under row ``pk`` is running, on PostgreSQL;
    False when a live request holds it. ``held_elsewhere``: on another database, the
    answer is False (only STALE tells a dead request there)."""
    if connection.vendor != "postgresql":
        return not held_elsewhere
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_SPACE, pk % 2**31])
        return cursor.fetchone()[0]


def _running_unlock(pk: int) -> None:
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_SPACE, pk % 2**31])
    except DatabaseError:  # the connection broke: the lock went with it
        pass


def _keep(record: IdempotentRequest, response) -> None:
    if any(response.status_code in statuses for statuses in KEPT_STATUSES):
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        IdempotentRequest.objects.filter(pk=record.pk).update(status=response.status_code, body=body)
    else:
        IdempotentRequest.objects.filter(pk=record.pk).delete()


def idempotent(handler):
    """Decorates an ``APIView``'s ``post``: the request must carry an Idempotency-Key, and
    the same key with the same request gets the first answer."""

    @wraps(handler)
    def run(view, request, *args, **kwargs):
        key = idempotency_key(request)
        record, answer = _claim(user=request.user, key=key, fingerprint=_fingerprint(request))
        if answer is not None:
            return answer
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                try:
                    response = view.handle_exception(exc)
                except Exception:
                    IdempotentRequest.objects.filter(pk=record.pk).delete()
                    raise
            _keep(record, response)
            return response
        finally:
            _running_unlock(record.pk)

    return extend_schema(parameters=[PARAMETER])(run)


def idempotent_requests_forget(*, now=None) -> int:
    """Keys older than ``SOKO_API_IDEMPOTENCY_HOURS`` may be used again."""
    deleted, _kinds = IdempotentRequest.objects.filter(created_at__lt=client_keys_kept_since(now)).delete()
    return deleted
