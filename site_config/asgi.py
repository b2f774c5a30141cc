"""ASGI entry point: HTTP through Django, /ws/ through Channels.

In embedded mode this process also runs the Huey consumer (see shop.core.worker).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
# Each request runs in a thread of its own: PostgreSQL connections come from a per-process
# pool, so a request borrows one instead of opening (and leaving behind) its own.
os.environ.setdefault("SOKO_DB_POOL", "1")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from shop.core.worker import start_embedded_worker  # noqa: E402
from site_config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

start_embedded_worker()
