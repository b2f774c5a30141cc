"""Background work started by a service.

A task is a thin wrapper around a service, so an app's ``tasks`` module imports its
``services`` and never the other way round (an import contract checks it). A service asks
for background work by name instead; the task registers itself under that name with
``@job`` and its app imports its ``tasks`` module when it is ready::

    @job("media.image_process")
    @db_task()
    def image_process_task(image_id): ...

    job_enqueue_on_commit("media.image_process", image.pk)

Queueing happens after the commit, so it can never undo the write: when the queue cannot
be reached (Redis down), the job is kept as a ``PendingJob`` row instead, and
``jobs_pending_enqueue`` (a periodic task, every minute) queues it once the queue answers.
The caller answers success either way. Jobs are safe to run twice (each claims its work),
so a job queued again after a doubtful failure does no harm.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from .logs import job_task_id
from .models import PendingJob

log = logging.getLogger(__name__)

_tasks: dict[str, Callable] = {}


def job(name: str):
    """Register the task it decorates as ``name``."""

    def register(task):
        if _tasks.setdefault(name, task) is not task:
            raise ValueError(f"Two tasks are registered as {name!r}.")
        return task

    return register


def _enqueue_or_keep(name: str, args: tuple, eta: datetime | None) -> bool:
    """Queue the job; when the queue cannot take it, keep it for ``jobs_pending_enqueue``."""
    task = _tasks[name]
    try:
        # Named after the queuing request, so the worker's log lines carry its id (shop.core.logs).
        task.huey.enqueue(task.s(*args, eta=eta, id=job_task_id()))
    except Exception:
        log.warning("job %s%s not queued, kept to queue later", name, args, exc_info=True)
        PendingJob.objects.create(name=name, args=list(args), eta=eta)
        return False
    return True


def job_enqueue_on_commit(name: str, *args) -> None:
    """Enqueue the task registered as ``name`` once the current transaction commits (at
    once outside a transaction), so the worker finds the rows it works on. An unknown name
    raises ``KeyError`` here, inside the caller's transaction."""
    if name not in _tasks:
        raise KeyError(name)
    transaction.on_commit(lambda: _enqueue_or_keep(name, args, None))


def job_schedule_on_commit(name: str, *args, eta) -> None:
    """Like ``job_enqueue_on_commit``, for the task to run at ``eta`` (a timezone-aware
    moment): the worker holds it until then. A periodic job should still sweep up what it
    does, since a worker's schedule does not outlive its queue."""
    if name not in _tasks:
        raise KeyError(name)
    transaction.on_commit(lambda: _enqueue_or_keep(name, args, eta))


def jobs_pending_enqueue(*, limit: int = 500) -> int:
    """Queue the jobs kept while the queue was unreachable; returns how many were queued.
    Each row is claimed by deleting it, so two runs at once queue it once; a job that
    still cannot be queued is kept again, and the run stops there."""
    queued = 0
    for pending in PendingJob.objects.filter(name__in=list(_tasks)).order_by("id")[:limit]:
        claimed, _ = PendingJob.objects.filter(pk=pending.pk).delete()
        if not claimed:
            continue
        if not _enqueue_or_keep(pending.name, tuple(pending.args), pending.eta):
            break
        queued += 1
    return queued
