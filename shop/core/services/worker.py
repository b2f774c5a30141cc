"""The Huey consumer inside the web process (embedded mode, no services).

In scale mode the consumer is a separate `manage.py run_huey` process instead.
"""

import logging
import threading

from django.conf import settings
from django.utils.module_loading import autodiscover_modules
from huey.consumer import Consumer
from huey.contrib.djhuey import HUEY

log = logging.getLogger(__name__)
_started = threading.Event()


class EmbeddedConsumer(Consumer):
    # Signals can only be handled on the main thread, which the web server owns.
    def _set_signal_handlers(self):
        pass


def start_embedded_worker() -> bool:
    """Start Huey's consumer threads in this process, once. Returns whether it started."""
    # An immediate Huey (tests) runs tasks inline, and a consumer refuses to run on it.
    if not settings.HUEY_EMBEDDED_WORKER or HUEY.immediate or _started.is_set():
        return False
    autodiscover_modules("tasks")
    options = {"workers": 2, "worker_type": "thread", "periodic": True}
    options.update(settings.HUEY.get("consumer", {}))
    consumer = EmbeddedConsumer(HUEY, **options)
    threading.Thread(target=consumer.run, name="huey-embedded", daemon=True).start()
    _started.set()
    log.info("Embedded Huey consumer started with %s worker threads", options["workers"])
    return True
