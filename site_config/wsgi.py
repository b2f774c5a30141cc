"""WSGI entry point: HTTP only, served in production by gunicorn (site_config/gunicorn.py),
with daphne (site_config/asgi.py) answering /ws/ behind the same proxy.

A gunicorn worker answers one request at a time in one thread. On SQLite it keeps its
connection between requests (checked before reuse) instead of opening one per request;
PostgreSQL connections come from the process's pool (shop.core.postgresql).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import resolve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
os.environ.setdefault("SOKO_DB_CONN_MAX_AGE", "60")
application = get_wsgi_application()

# The URLs and every view they name, imported here rather than by each worker's first
# request: gunicorn loads this module once in its master (preload_app) and forks workers from it.
resolve("/")
