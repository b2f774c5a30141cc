"""gunicorn's settings for Soko's HTTP processes (``gunicorn -c site_config/gunicorn.py``).

One sync worker per core: a Django view is CPU work between database round trips, so
threads in one process would only take turns on Python's lock. Each worker keeps its
database connection (site_config/wsgi.py). Measured against one daphne process and
others in docs/PERFORMANCE.md.

The app is imported once, in the master (``preload_app``), with its URLs and views
(site_config/wsgi.py): a worker is a fork of it, so a new or replaced worker answers at
once instead of spending seconds importing Django and every app, and the workers share
those pages of memory. Nothing opens a connection at import (the database pools and the
Redis clients start in each worker, on first use; shop.core.postgresql drops any a fork
inherits).
"""

import multiprocessing
import os

wsgi_app = "site_config.wsgi:application"
# $PORT as platforms give it; WEB_BIND (e.g. 127.0.0.1:8000, unix:/run/soko.sock) overrides.
bind = os.environ.get("WEB_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "sync"
# A request that takes longer than this is cut off and its worker replaced.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# Keep-alive behind a proxy on the same network.
keepalive = 5
preload_app = True
# Workers are replaced after some 200,000 requests (staggered), so memory cannot creep;
# WEB_MAX_REQUESTS=0 never replaces them.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# The proxy in front speaks for the client (X-Forwarded-Proto); only trust it locally.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG") else None


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set (an empty folder for this server), /metrics sums
    every worker's request figures (shop.core.metrics); a worker that exits stops counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
