"""ASGI entry point: HTTP through Django, /ws/ through Channels.

In embedded mode this process also runs the Huey consumer (see shop.core.worker).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
# Requests run on a fixed set of reused threads (shop.core.asgi), so each keeps its
# database connection between requests instead of opening one per request.
os.environ.setdefault("SOKO_DB_CONN_MAX_AGE", "60")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from shop.core.asgi import ReusedThreads  # noqa: E402
from shop.core.worker import start_embedded_worker  # noqa: E402
from site_config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ReusedThreads(django_asgi_app, threads=settings.SOKO_ASGI_THREADS),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

start_embedded_worker()
