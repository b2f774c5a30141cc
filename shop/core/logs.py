"""Logs an operator can search: every line knows the request (or socket, or job) it belongs
to. ``request_context`` gives each request an id (the proxy's ``X-Request-ID`` when it sends a
sane one), answers it in the response's ``X-Request-ID``, and logs one line per request with
its path, status and duration; ``jobs`` carries the id into the background jobs a request
queues, and the ASGI ``socket_context`` into a socket's handlers. In production
(``SOKO_LOG_FORMAT=json``, the default when ``DEBUG=0``) each line is one JSON object: time,
level, logger, message, request id, a hash of the user's id (never an email or a name), path,
status, duration and job name."""

import hashlib
import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from django.utils.functional import empty

from .metrics import request_observe

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
user_var: ContextVar[str] = ContextVar("user", default="")
job_var: ContextVar[str] = ContextVar("job", default="")

SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
access_log = logging.getLogger("soko.access")


def new_request_id(offered: str = "") -> str:
    """The id a proxy offered when it looks like one, else a new one."""
    return offered if SANE_ID.fullmatch(offered or "") else uuid.uuid4().hex


def user_hash(user_id) -> str:
    """A short hash of a user's id, keyed with the site's secret: lines of one person can be
    followed without the log saying who they are."""
    if not user_id:
        return ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:user:{user_id}".encode()).hexdigest()[:12]


class ContextFilter(logging.Filter):
    """Puts the request id, user hash and job name of the running context on every record."""

    def filter(self, record):
        record.request_id = getattr(record, "request_id", "") or request_id_var.get()
        record.user = getattr(record, "user", "") or user_var.get()
        record.job = getattr(record, "job", "") or job_var.get()
        return True


FIELDS = ("request_id", "user", "job", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({name: value for name in FIELDS if (value := getattr(record, name, "")) not in ("", None)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for development, with the request id where there is one."""

    def format(self, record):
        context = " ".join(f"{name}={value}" for name in FIELDS if (value := getattr(record, name, "")) not in ("", None))
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if context:
            line += f" [{context}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _user_id_read(request):
    """The signed-in user's id when the request already read its user: the lazy user is not
    loaded here (a query that fails when the database is busy, after the page answered)."""
    user = getattr(request, "user", None)
    loaded = getattr(user, "_wrapped", user)
    if loaded is None or loaded is empty or not getattr(loaded, "is_authenticated", False):
        return None
    return loaded.pk


def request_context(get_response):
    """Middleware: the request's id and user hash for every line logged while it runs, the
    id in the response's ``X-Request-ID``, and one access line when it is answered."""

    def middleware(request):
        request_id = new_request_id(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id
        id_token, user_token = request_id_var.set(request_id), user_var.set("")
        started = time.perf_counter()
        try:
            response = get_response(request)
            if user_id := _user_id_read(request):
                user_var.set(user_hash(user_id))
            response["X-Request-ID"] = request_id
            seconds = time.perf_counter() - started
            request_observe(request.method, response.status_code, seconds)
            if settings.SOKO_ACCESS_LOG:
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )
            return response
        finally:
            request_id_var.reset(id_token)
            user_var.reset(user_token)

    return middleware


def socket_context(app):
    """ASGI middleware: a socket's id (its handshake's ``X-Request-ID``, or a new one) for
    every line its handlers log."""

    async def middleware(scope, receive, send):
        offered = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        token = request_id_var.set(new_request_id(offered))
        try:
            return await app(scope, receive, send)
        finally:
            request_id_var.reset(token)

    return middleware


def job_task_id() -> str | None:
    """The id for a job queued now: the queuing request's id before a unique part, so the
    worker's lines carry it (``job_context_enter``); None (Huey picks one) outside a request."""
    request_id = request_id_var.get()
    return f"{request_id}.{uuid.uuid4().hex}" if request_id else None


def job_context_enter(task) -> None:
    """Before a job runs in the worker: its name, and the request id it was queued by."""
    request_id = task.id.partition(".")[0] if "." in (task.id or "") else ""
    task.log_context = (job_var.set(task.name), request_id_var.set(request_id))


def job_context_leave(task, *_outcome) -> None:
    """After it ran: the context as it was (a job run inline keeps its caller's)."""
    job_token, request_token = getattr(task, "log_context", (None, None))
    if job_token is not None:
        job_var.reset(job_token)
        request_id_var.reset(request_token)
