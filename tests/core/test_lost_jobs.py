"""Work asked of a background job is done even when the job itself is lost: Redis keeps
nothing on disk, so a queue that restarts loses what it held, and a worker killed while it
ran a job loses that one. ``PendingJob`` covers only jobs that could not be queued at all.

So every job registered with ``shop.core.jobs`` has a periodic sweep that finds its work
undone and asks for it again, and a test that loses that very job (the ``jobs_lost``
fixture) and shows the sweep doing the work. A new job without such a test fails here.
(An email is claimed before it is sent, so it is never sent twice: a worker killed inside
the send loses that one email. Decision 0006.)
"""

import importlib
import inspect

from shop.core.jobs import _tasks

RECOVERED_BY = {
    "auctions.close": "tests/auctions/test_lost_jobs.py::test_an_auction_whose_close_job_was_lost_is_closed_by_the_tick",
    "chat.image_ready": "tests/chat/test_lost_jobs.py::test_a_message_picture_whose_job_was_lost_is_made_ready_and_pushed",
    "media.image_process": "tests/media/test_lost_jobs.py::test_a_picture_whose_processing_job_was_lost_is_processed",
    "media.rendition_pin": "tests/media/test_lost_pins.py::test_a_pin_whose_job_was_lost_is_asked_for_again",
    "moderation.export_build": "tests/moderation/test_lost_jobs.py::test_an_export_whose_build_was_lost_is_built",
    "notifications.email_send": "tests/notifications/test_lost_jobs.py::test_an_email_whose_job_was_lost_is_sent",
    "orders.order_transfer": "tests/orders/test_lost_jobs.py::test_a_transfer_whose_job_was_lost_is_made",
    "payments.credit_note_issue": "tests/payments/test_lost_jobs.py::test_a_credit_note_whose_job_was_lost_is_issued",
    "payments.crypto_watch_soon": "tests/payments/test_lost_crypto_watch.py::test_a_deposit_whose_watch_job_was_lost_is_seen",
    "payments.invoice_issue": "tests/payments/test_lost_jobs.py::test_an_invoice_whose_job_was_lost_is_issued",
    "payments.refund_send": "tests/payments/test_lost_jobs.py::test_a_card_refund_whose_job_was_lost_is_asked_once",
    "payments.suspense_refund_send": "tests/payments/test_lost_jobs.py::test_a_refund_from_suspense_whose_job_was_lost_is_sent",
    "promotions.sale_end": "tests/promotions/test_lost_jobs.py::test_a_sale_whose_end_job_was_lost_ends",
    "promotions.sale_start": "tests/promotions/test_lost_jobs.py::test_a_sale_whose_start_job_was_lost_starts",
    "sellers.store_ens_check": "tests/sellers/test_lost_jobs.py::test_an_ens_check_whose_job_was_lost_is_made",
}


def _registered() -> set[str]:
    return {name for name in _tasks if not name.startswith("tests.")}


def test_every_job_names_the_test_that_loses_it():
    assert set(RECOVERED_BY) == _registered()


def test_each_named_test_loses_its_own_job():
    for name, node in RECOVERED_BY.items():
        path, function = node.split("::")
        test = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), function)
        assert "jobs_lost" in inspect.signature(test).parameters, node
        assert f'"{name}"' in inspect.getsource(test), f"{node} does not check that {name} was the job lost"
