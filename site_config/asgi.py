"""ASGI entry point: HTTP through Django, /ws/ through Channels.

In embedded mode this process also runs the Huey consumer (see shop.core.services.worker).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
# SQLite: requests run on a fixed set of reused threads (shop.core.asgi), so each keeps
# its connection between requests instead of opening one per request. PostgreSQL
# connections come from the process's pool instead (shop.core.postgresql).
os.environ.setdefault("SOKO_DB_CONN_MAX_AGE", "60")

from shop.core.asgi import ReusedThreads, request_thread_application  # noqa: E402

django_asgi_app = request_thread_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from shop.api.sockets import TokenSocketMiddleware  # noqa: E402
from shop.core.logs import socket_context  # noqa: E402
from shop.core.services.worker import start_embedded_worker  # noqa: E402
from site_config.routing import websocket_urlpatterns  # noqa: E402

sockets = URLRouter(websocket_urlpatterns)

application = ProtocolTypeRouter(
    {
        "http": ReusedThreads(django_asgi_app, threads=settings.SOKO_ASGI_THREADS),
        # Apps' sockets sign in with their access token (docs/API_REALTIME.md); pages' with
        # their session cookie, from the site's own origin.
        "websocket": socket_context(
            TokenSocketMiddleware(sockets, pages=AllowedHostsOriginValidator(AuthMiddlewareStack(sockets)))
        ),
    }
)

start_embedded_worker()
