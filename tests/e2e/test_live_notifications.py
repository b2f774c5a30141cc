"""A notification sent from a background job reaches the open page over the socket:
toast and bell count update in place, for that user only, live. The latencies are printed
at the end of the run; how fast pushes are is measured in bench/."""

import time

import pytest

from shop.notifications.models import Notification
from shop.notifications.tasks import notify_task
from tests.e2e.pages import (
    LATENCIES,
    LIVE_MS,
    assert_same_document,
    bell_count,
    expect,
    log_in,
    wait_for_bell_change,
    watch_page,
)
from tests.factories import NotificationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

BUDGET_MS = LIVE_MS


def _send_and_measure(request, page, user, text):
    """Enqueue notify_task from this process (Huey immediate is off: it goes through the
    real queue to the worker) and wait for the page's bell to change."""
    enqueued_at = time.time()
    result = notify_task(user.pk, "system", text, "/")
    page_ms, wait_ms = wait_for_bell_change(page, enqueued_at)
    LATENCIES.append((request.node.name, page_ms, wait_ms))
    assert page_ms < BUDGET_MS, f"bell changed {page_ms:.0f} ms after enqueue (budget {BUDGET_MS} ms)"
    assert wait_ms < BUDGET_MS, f"test saw the bell change {wait_ms:.0f} ms after enqueue (budget {BUDGET_MS} ms)"
    return result


def test_background_notification_updates_open_page_without_reload(request, new_page):
    user = UserFactory()
    NotificationFactory.create_batch(2, user=user)
    page = new_page()
    log_in(page, user.email)
    assert bell_count(page) == 2
    navigations = watch_page(page)

    _send_and_measure(request, page, user, "Your parcel is on its way")

    expect(page.locator("#toasts .toast", has_text="Your parcel is on its way")).to_be_visible()
    expect(page.locator("#bell-count")).to_have_attribute("data-count", "3")
    expect(page.locator("#bell-count")).to_contain_text("3")
    assert_same_document(page, navigations)
    assert Notification.objects.filter(user=user, text="Your parcel is on its way", read_at=None).count() == 1


def test_notification_reaches_only_its_user(request, new_page):
    alice, bob = UserFactory(), UserFactory()
    NotificationFactory(user=bob)
    alice_page, bob_page = new_page(), new_page()
    log_in(alice_page, alice.email)
    log_in(bob_page, bob.email)
    assert bell_count(alice_page) == 0
    assert bell_count(bob_page) == 1
    watch_page(alice_page)
    bob_navigations = watch_page(bob_page)

    _send_and_measure(request, alice_page, alice, "Only for Alice")

    expect(alice_page.locator("#toasts .toast", has_text="Only for Alice")).to_be_visible()
    expect(alice_page.locator("#bell-count")).to_have_attribute("data-count", "1")
    bob_page.wait_for_timeout(1_500)  # long past Alice's delivery
    assert bob_page.evaluate("window.__bellChangedAt") is None
    assert bell_count(bob_page) == 1
    expect(bob_page.locator("#toasts .toast", has_text="Only for Alice")).to_have_count(0)
    assert_same_document(bob_page, bob_navigations)


@pytest.mark.redis
@pytest.mark.postgres
def test_scale_mode_separate_worker_delivers_through_redis(request, new_page, soko_live):
    """Scale mode: the task runs in the separate worker process (not in daphne) and its
    push crosses processes through channels-redis."""
    user = UserFactory()
    page = new_page()
    log_in(page, user.email)
    watch_page(page)

    result = _send_and_measure(request, page, user, "Sent by the worker")

    expect(page.locator("#toasts .toast", has_text="Sent by the worker")).to_be_visible()
    worker_log = soko_live.worker_log.read_text(errors="replace")
    assert f"Executing shop.notifications.tasks.notify_task: {result.id}" in worker_log
    assert "Embedded Huey consumer started" not in soko_live.server_log.read_text(errors="replace")
