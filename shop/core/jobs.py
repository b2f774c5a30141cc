"""Background work started by a service.

A task is a thin wrapper around a service, so an app's ``tasks`` module imports its
``services`` and never the other way round (an import contract checks it). A service asks
for background work by name instead; the task registers itself under that name with
``@job`` and its app imports its ``tasks`` module when it is ready::

    @job("media.image_process")
    @db_task()
    def image_process_task(image_id): ...

    job_enqueue_on_commit("media.image_process", image.pk)
"""

from collections.abc import Callable

from django.db import transaction

_tasks: dict[str, Callable] = {}


def job(name: str):
    """Register the task it decorates as ``name``."""

    def register(task):
        if _tasks.setdefault(name, task) is not task:
            raise ValueError(f"Two tasks are registered as {name!r}.")
        return task

    return register


def job_enqueue_on_commit(name: str, *args) -> None:
    """Enqueue the task registered as ``name`` once the current transaction commits (at
    once outside a transaction), so the worker finds the rows it works on. An unknown name
    raises ``KeyError`` here, inside the caller's transaction."""
    task = _tasks[name]
    transaction.on_commit(lambda: task(*args))


def job_schedule_on_commit(name: str, *args, eta) -> None:
    """Like ``job_enqueue_on_commit``, for the task to run at ``eta`` (a timezone-aware
    moment): the worker holds it until then. A periodic job should still sweep up what it
    does, since a worker's schedule does not outlive its queue."""
    task = _tasks[name]
    transaction.on_commit(lambda: task.schedule(args=args, eta=eta))
