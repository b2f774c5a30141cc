"""gunicorn's settings for Soko's HTTP processes (``gunicorn -c site_config/gunicorn.py``).

One sync worker per core: a Django view is CPU work between database round trips, so
threads in one process would only take turns on Python's lock. Each worker keeps its
database connection (site_config/wsgi.py). Measured against one daphne process and
others in docs/PERFORMANCE.md.
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
# Workers are replaced after some 20,000 requests (staggered), so memory cannot creep.
max_requests = 20000
max_requests_jitter = 2000
# The proxy in front speaks for the client (X-Forwarded-Proto); only trust it locally.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG") else None
