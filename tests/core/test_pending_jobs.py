"""A job asked for by a write that committed is never lost to an unreachable queue: it is
kept in the database, and the periodic ``jobs_pending_enqueue`` queues it once the queue
answers (once, however many runs overlap). The write itself answers success either way."""

from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from shop.core.jobs import job, job_enqueue_on_commit, job_schedule_on_commit, jobs_pending_enqueue
from shop.core.models import PendingJob

pytestmark = pytest.mark.django_db(transaction=True)


class Queue:
    """A task as Huey's ``@task`` makes it, with its Huey: ``s`` makes a run of it (at once,
    or at ``eta``), ``huey.enqueue`` queues it, and fails like RedisHuey while the queue is
    ``down``."""

    def __init__(self):
        self.down = False
        self.queued = []

    @property
    def huey(self):
        return self

    def s(self, *args, eta=None, id=None):
        return (args, eta)

    def enqueue(self, entry):
        if self.down:
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.queued.append(entry)


@pytest.fixture
def queue(request):
    task = Queue()
    job(f"tests.{request.node.name}")(task)
    task.name = f"tests.{request.node.name}"
    return task


def test_a_job_the_queue_refused_is_kept_and_queued_when_it_answers(queue):
    queue.down = True
    with transaction.atomic():
        job_enqueue_on_commit(queue.name, 7, True)  # the commit does not raise

    assert list(PendingJob.objects.values_list("name", "args")) == [(queue.name, [7, True])]
    assert jobs_pending_enqueue() == 0 and PendingJob.objects.count() == 1  # still down: kept

    queue.down = False
    assert jobs_pending_enqueue() == 1
    assert queue.queued == [((7, True), None)] and not PendingJob.objects.exists()
    assert jobs_pending_enqueue() == 0 and len(queue.queued) == 1


def test_a_scheduled_job_keeps_its_time(queue):
    eta = timezone.now() + timedelta(minutes=5)
    queue.down = True
    with transaction.atomic():
        job_schedule_on_commit(queue.name, 3, eta=eta)

    queue.down = False
    jobs_pending_enqueue()

    assert queue.queued == [((3,), eta)]


def test_a_kept_job_of_a_task_this_process_does_not_know_stays_kept(queue):
    PendingJob.objects.create(name="tests.retired_task", args=[1])

    assert jobs_pending_enqueue() == 0

    assert PendingJob.objects.filter(name="tests.retired_task").exists()
