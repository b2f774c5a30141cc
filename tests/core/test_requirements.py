"""Web images leave the worker's forecasting out: requirements-web.txt names none of it, the
worker's file adds it to the web's, and requirements.txt (make run, the tests) has both. That
web processes never import it is tests/core/test_web_start.py's check."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
FORECASTING = {"prophet", "cmdstanpy", "pandas", "numpy"}


def pins(name: str) -> tuple[set[str], list[str]]:
    """The packages a requirements file pins itself, and the files it includes."""
    lines = [line.strip() for line in (ROOT / name).read_text().splitlines()]
    packages = {re.split(r"[=<>\[ ]", line, maxsplit=1)[0].lower() for line in lines if line and not line.startswith(("#", "-r"))}
    return packages, [line.split(maxsplit=1)[1] for line in lines if line.startswith("-r ")]


def test_a_web_image_installs_no_forecasting_and_make_run_installs_all():
    web, web_includes = pins("requirements-web.txt")
    worker, worker_includes = pins("requirements-worker.txt")
    everything, includes = pins("requirements.txt")
    assert not web & FORECASTING and not web_includes
    assert worker == FORECASTING and worker_includes == ["requirements-web.txt"]
    assert everything == set() and includes == ["requirements-worker.txt"]
    assert {"django", "gunicorn", "daphne", "huey"} <= web
