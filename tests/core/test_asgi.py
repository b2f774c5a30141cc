import importlib
import threading

from shop.core.services import worker


def _embedded_consumer_threads():
    return [thread for thread in threading.enumerate() if thread.name == "huey-embedded"]


def test_loading_the_asgi_app_in_tests_does_not_start_a_background_worker(settings):
    # Embedded mode asks for the in-process consumer; under pytest Huey runs tasks inline,
    # and a consumer on an inline Huey would crash in its thread.
    settings.HUEY_EMBEDDED_WORKER = True
    import site_config.asgi

    importlib.reload(site_config.asgi)

    assert site_config.asgi.application is not None
    assert not worker._started.is_set()
    assert _embedded_consumer_threads() == []


def test_embedded_worker_refuses_to_start_while_huey_runs_tasks_inline(settings, huey_immediate):
    settings.HUEY_EMBEDDED_WORKER = True
    assert huey_immediate.immediate is True

    assert worker.start_embedded_worker() is False
    assert _embedded_consumer_threads() == []


def test_embedded_worker_stays_off_when_the_setting_is_off(settings):
    settings.HUEY_EMBEDDED_WORKER = False

    assert worker.start_embedded_worker() is False
