"""Services start background work by name (shop.core.jobs): the task runs once the
transaction commits, and a name nobody registered fails inside the caller's transaction."""

import pytest
from django.db import transaction
from huey.contrib.djhuey import task

from shop.core.jobs import job, job_enqueue_on_commit

pytestmark = pytest.mark.django_db(transaction=True)
ran = []


@job("tests.record")
@task()
def record_task(value):
    ran.append(value)


job("tests.record_rollback")(record_task)


@pytest.fixture(autouse=True)
def nothing_ran_yet():
    ran.clear()


def test_the_job_runs_only_after_the_transaction_commits():
    with transaction.atomic():
        job_enqueue_on_commit("tests.record", 7)
        assert ran == []

    assert ran == [7]  # Huey runs tasks inline in tests


def test_a_job_of_a_rolled_back_transaction_never_runs():
    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue_on_commit("tests.record_rollback", 7)
        raise RuntimeError("the service failed after asking for the job")

    assert ran == []


def test_an_unknown_job_fails_before_anything_is_committed():
    with pytest.raises(KeyError), transaction.atomic():
        job_enqueue_on_commit("media.no_such_job", 1)


def test_every_background_job_a_service_names_is_registered():
    from shop.core.jobs import _tasks

    assert {"media.image_process", "notifications.email_send", "sellers.store_ens_check"} <= set(_tasks)
