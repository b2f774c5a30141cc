"""What a web process loads when it starts: the app and its URLs, not the libraries only
the worker needs (forecasts: Prophet, pandas, numpy; PDFs: fpdf, which pulls numpy).
Each web worker would otherwise carry them in memory and import them on every restart."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER_ONLY = ("numpy", "pandas", "prophet", "cmdstanpy", "fpdf")

START = """
import sys
import site_config.wsgi
import site_config.asgi
from django.urls import get_resolver
get_resolver().resolve("/healthz/live")
get_resolver().url_patterns  # every app's URLs and the views they name
print("loaded:", " ".join(sorted({{name.split(".")[0] for name in sys.modules}} & {names})))
"""


@pytest.mark.parametrize("mode", ["embedded", "scale"])
def test_web_process_starts_without_the_workers_libraries(mode):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_config.settings", "HUEY_EMBEDDED_WORKER": "0"}
    if mode == "embedded":
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
    else:
        # Nothing connects at import: these need not answer.
        env["DATABASE_URL"] = env.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/soko_absent"
        env["REDIS_URL"] = env.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    script = START.format(names=set(WORKER_ONLY))

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr[-2000:]
    [loaded] = [
        line.removeprefix("loaded:").strip() for line in result.stdout.splitlines() if line.startswith("loaded:")
    ]
    assert loaded == "", f"a web process imported {loaded}"
