"""Browser tests: Debian's Chromium (Playwright) against a live daphne server.

The server is a forked child of pytest (``daphne.testing.DaphneProcess``) serving
``site_config.asgi`` against the test database, so pages, sockets and background jobs run
exactly as in production:

- embedded mode (no env): the child also runs the in-process Huey consumer threads; the
  test process and the child share a SQLite Huey file (a fresh one per run, in tmp);
- scale mode (DATABASE_URL + REDIS_URL): the child serves only; a second forked child runs
  the Huey consumer as ``manage.py run_huey`` does, a process of its own that consumes
  from Redis on the test database and reaches the page through channels-redis.

Tests enqueue real tasks from the test process: Huey's ``immediate`` is switched off for
the module (before the fork, so the child inherits it) and restored afterwards.
"""

import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30

# Runs in every page before its own scripts: counts socket opens so a test can wait
# until the page is subscribed before anything is sent to it.
PAGE_INIT_SCRIPT = """
window.__e2e = {wsOpen: 0};
document.addEventListener("htmx:wsOpen", function () { window.__e2e.wsOpen += 1; });
"""


def _require_services() -> bool:
    return os.environ.get("SOKO_REQUIRE_SERVICES") == "1"


# --- the live server ---------------------------------------------------------------------


def _child_setup(*, log_path: str, db_name: str) -> None:
    """In a forked child (the server, the scale-mode worker): its output to its log file,
    its database the test database, the tests' password hashers."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setStream(sys.stderr)

    from django.db import connections
    from django.test import override_settings

    from tests.factories import TEST_PASSWORD_HASHERS

    settings.DATABASES["default"]["NAME"] = db_name
    connections["default"].settings_dict["NAME"] = db_name
    # The tests' users are made with the tests' hashers, and log-ins are checked with them.
    override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS).enable()


def _server_application(*, log_path: str, db_name: str):
    """Runs in the forked daphne child: start the embedded Huey consumer (embedded mode),
    serve static files."""
    _child_setup(log_path=log_path, db_name=db_name)

    from asgiref.sync import SyncToAsync
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from shop.core.services import worker

    # Threads do not survive a fork: should the parent ever have started a consumer, the
    # inherited "started" flag would be stale, and this child must start its own.
    worker._started.clear()
    # Nor does asgiref's one thread for thread-sensitive calls outside a request (socket
    # consumers' database calls): had the parent used it, the inherited executor would
    # believe its thread alive and never run them.
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    application = get_default_application()  # imports site_config.asgi (starts it once)
    worker.start_embedded_worker()  # no-op when the import above started it
    if settings.HUEY_EMBEDDED_WORKER and not worker._started.is_set():
        raise RuntimeError("embedded mode, but the Huey consumer did not start in the server process")
    return ASGIStaticFilesHandler(application)


def _make_daphne_process(**kwargs):
    from daphne.testing import DaphneProcess

    class ForkedDaphneProcess(DaphneProcess):
        # Fork explicitly (the default start method may change): the child inherits the
        # test settings, the unblocked database and Huey's storage with immediate off.
        @staticmethod
        def _Popen(process_obj):
            return multiprocessing.get_context("fork").Process._Popen(process_obj)

    return ForkedDaphneProcess(**kwargs)


def _run_huey(*, log_path: str, db_name: str) -> None:
    """Runs in the forked scale-mode worker: what ``manage.py run_huey -w 2 -k thread
    --flush-locks`` does, in a fork of this process, which has Django and every app loaded
    already (a fresh ``run_huey`` spends two seconds of CPU importing them, for each module)."""
    _child_setup(log_path=log_path, db_name=db_name)
    from django.utils.module_loading import autodiscover_modules
    from huey.consumer_options import ConsumerConfig
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    config = ConsumerConfig(**{**settings.HUEY.get("consumer", {}), "workers": 2, "worker_type": "thread", "flush_locks": True})
    config.validate()
    logger = logging.getLogger("huey")
    if not logger.handlers:
        config.setup_logger(logger)
    logger.setLevel(logging.INFO)
    HUEY.create_consumer(**config.values).run()


def _start_run_huey(*, db_name: str, log_path: Path) -> multiprocessing.Process:
    proc = multiprocessing.get_context("fork").Process(
        target=_run_huey, kwargs={"log_path": str(log_path), "db_name": db_name}, daemon=True
    )
    proc.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while "Huey consumer started" not in (log_path.read_text(errors="replace") if log_path.exists() else ""):
        if not proc.is_alive() or time.monotonic() > deadline:
            _stop(proc)
            raise RuntimeError(f"the Huey consumer did not start:\n{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.05)
    return proc


def _stop(proc: multiprocessing.Process) -> None:
    """Stop one process we forked, by its own handle (SIGTERM, then SIGKILL)."""
    if proc.is_alive():
        proc.terminate()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)


@dataclass
class LiveSoko:
    url: str
    scale_mode: bool
    server_log: Path
    worker_log: Path | None  # the run_huey log, scale mode only

    def logs(self) -> str:
        text = f"--- daphne ({self.server_log}):\n{self.server_log.read_text(errors='replace')[-3000:]}"
        if self.worker_log is not None:
            text += f"\n--- run_huey ({self.worker_log}):\n{self.worker_log.read_text(errors='replace')[-3000:]}"
        return text


@pytest.fixture(scope="module")
def soko_live(django_db_setup, django_db_blocker, tmp_path_factory):
    """A live daphne server (plus run_huey in scale mode) on a free port, sharing the test
    database and Huey's storage with this process. Huey's ``immediate`` is off meanwhile."""
    from django.db import connections
    from django.test.utils import modify_settings
    from huey.contrib.djhuey import HUEY

    from shop.core.logs import job_var, request_id_var

    workdir = tmp_path_factory.mktemp("e2e")
    db_name = connections["default"].settings_dict["NAME"]
    scale_mode = bool(settings.REDIS_URL)

    saved_immediate, saved_storage_kwargs = HUEY.immediate, dict(HUEY.storage_kwargs)
    if not scale_mode:
        # A Huey file of this run's own: a developer's queue in huey.sqlite3 is left alone.
        HUEY.storage_kwargs["filename"] = str(workdir / "huey.sqlite3")
    HUEY.immediate = False
    HUEY.storage = HUEY.create_storage()
    HUEY.flush()  # nothing stale may fire (Redis is shared with earlier runs)

    server_log, worker_log = workdir / "daphne.log", None
    processes = []
    # The child inherits this; the defaults have it already, a production-like env may not.
    allowed_hosts = modify_settings(ALLOWED_HOSTS={"append": HOST})
    allowed_hosts.enable()
    # The server inherits this process's log context: it must be no job's or request's.
    assert (job_var.get(), request_id_var.get()) == ("", ""), "a test left a job's log context behind"
    try:
        with django_db_blocker.unblock():
            connections.close_all()  # the child must not share this process's sockets
            server = _make_daphne_process(
                host=HOST,
                get_application=partial(_server_application, log_path=str(server_log), db_name=db_name),
            )
            server.daemon = True
            server.start()
        processes.append(server)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.ready.wait(0.1):
            if not server.is_alive() or time.monotonic() > deadline:
                detail = server.errors.get_nowait()[1] if not server.errors.empty() else ""
                log = server_log.read_text(errors="replace") if server_log.exists() else ""
                raise RuntimeError(f"daphne did not start: {detail}\n{log[-4000:]}")
        if scale_mode:
            worker_log = workdir / "run_huey.log"
            with django_db_blocker.unblock():
                processes.append(_start_run_huey(db_name=db_name, log_path=worker_log))
        yield LiveSoko(
            url=f"http://{HOST}:{server.port.value}",
            scale_mode=scale_mode,
            server_log=server_log,
            worker_log=worker_log,
        )
    finally:
        for proc in reversed(processes):
            _stop(proc)
        allowed_hosts.disable()
        HUEY.flush()
        HUEY.storage.close()
        HUEY.storage_kwargs.clear()
        HUEY.storage_kwargs.update(saved_storage_kwargs)
        HUEY.immediate = saved_immediate
        HUEY.storage = HUEY.create_storage()


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_path():
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)"
        if _require_services():
            pytest.fail(f"SOKO_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_path, soko_live):
    """Headless Chromium for this module. Starts after the server: fork before any
    Playwright threads or pipes exist."""
    from playwright.sync_api import sync_playwright

    # While sync_playwright runs, this thread has an event loop and Django's async-safety
    # check would refuse the tests' ORM calls: allow them while the browser is open.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def open_context(browser, soko_live, **options):
    """A fresh browser context (its own cookies) on the live server, as every browser test
    opens one. Motion is reduced: nothing a test clicks may still be gliding. Bootstrap
    scrolls smoothly to a focused field, and on a busy machine Playwright could find a
    button, see it still for two frames before the scroll began, then click where the
    button no longer was (a sticky part moves with the scroll), so the click went nowhere."""
    context = browser.new_context(base_url=soko_live.url, reduced_motion="reduce", **options)
    context.set_default_timeout(10_000)
    context.add_init_script(PAGE_INIT_SCRIPT)
    return context


@pytest.fixture
def new_page(browser, soko_live):
    """Open a page in a fresh browser context (its own cookies): ``new_page()``."""
    contexts = []

    def open_page():
        context = open_context(browser, soko_live)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows the live server's (and run_huey's) log."""
    report = yield
    live = getattr(item, "funcargs", {}).get("soko_live")
    if report.failed and report.when in ("setup", "call") and isinstance(live, LiveSoko):
        report.sections.append(("live server logs", live.logs()))
    return report


def pytest_terminal_summary(terminalreporter):
    from tests.e2e.pages import LATENCIES

    if LATENCIES:
        terminalreporter.section("e2e notification latency (enqueue -> bell changed)")
        for name, page_ms, wait_ms in LATENCIES:
            terminalreporter.line(f"{name}: {page_ms:.0f} ms in the page, {wait_ms:.0f} ms seen by the test")
