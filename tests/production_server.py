"""A daphne started as production starts it: a fresh process (not a fork of the tests),
``DEBUG=0``, a secret key of its own, the Huey consumer inside it, on the test database,
with nothing from the tests' environment but what is asked for. Its static files are
collected first, as the release step does: once for all the session's servers, since the
files do not change while the tests run (collecting and compressing them takes ~10 s)."""

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connections

STARTUP_TIMEOUT = 120  # a fresh process imports everything: slow on a busy machine
_static_roots: dict[str, Path] = {}  # DEBUG's value -> this session's collected static files


def collected_static(env: dict, log_path: Path) -> Path:
    """The static files collected for ``env``, once per session and DEBUG value (DEBUG picks
    the storage: plain files, or compressed under a manifest)."""
    debug = env["DEBUG"]
    if debug not in _static_roots:
        root = Path(tempfile.mkdtemp(prefix="soko-static-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        with open(log_path, "ab") as log:
            collected = subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=settings.BASE_DIR,
                env={**env, "STATIC_ROOT": str(root)},
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=STARTUP_TIMEOUT,
            )
        assert collected.returncode == 0, log_path.read_text(errors="replace")[-4000:]
        _static_roots[debug] = root
    return _static_roots[debug]


def production_env(*, host: str, workdir: Path, db_name: str, **extra: str) -> dict:
    """The environment: the tests' own minus every Soko, provider and service setting, then
    production's (plain http on the loopback: no TLS to redirect to) and ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRIPE_", "PAYPAL_", "MPESA_", "SOKO_", "SQLITE_", "HUEY_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="site_config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(45),
        ALLOWED_HOSTS=host,
        SOKO_SITE_URL=f"http://{host}",  # with the port once the server has one
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        MEDIA_ROOT=str(workdir / "media"),
        HUEY_SQLITE_PATH=str(workdir / "huey.sqlite3"),
        HUEY_EMBEDDED_WORKER="1",
    )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite"):
        env["SQLITE_PATH"] = str(db_name)
    else:
        env["DATABASE_URL"] = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path="/" + db_name))
    env.update(extra)
    return env


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/robots.txt", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers
    except OSError:
        return False


@contextmanager
def production_daphne(*, env: dict, host: str, workdir: Path) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """Collect the static files, start ``daphne site_config.asgi:application`` on a free
    port of ``host`` and wait until it answers; yield (its URL, its process, its log); stop
    it afterwards."""
    with _production_server(env=env, host=host, workdir=workdir, kind="daphne") as started:
        yield started


@contextmanager
def production_gunicorn(*, env: dict, host: str, workdir: Path, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """The same with the HTTP server production runs (Procfile ``web``): gunicorn with
    site_config/gunicorn.py, ``workers`` sync workers, its access log on."""
    env = {**env, "WEB_ACCESS_LOG": "1", "WEB_CONCURRENCY": str(workers)}
    with _production_server(env=env, host=host, workdir=workdir, kind="gunicorn") as started:
        yield started


@contextmanager
def _production_server(*, env: dict, host: str, workdir: Path, kind: str) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    log_path = workdir / f"{kind}.log"
    env = {**env, "STATIC_ROOT": str(collected_static(env, log_path))}
    connections.close_all()  # the server gets its own; ours must not be shared
    port = _free_port(host)
    url = f"http://{host}:{port}"
    with open(log_path, "ab") as log:
        command = {
            "daphne": [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "site_config.asgi:application"],
            "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "site_config/gunicorn.py", "-b", f"{host}:{port}"],
        }[kind]
        proc = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env={**env, "SOKO_SITE_URL": url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} (DEBUG=0) did not start:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        yield url, proc, log_path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
