from couriers.routing import websocket_urlpatterns as courier_sockets
from shop.auctions.routing import websocket_urlpatterns as auction_sockets
from shop.chat.routing import websocket_urlpatterns as chat_sockets
from shop.notifications.routing import websocket_urlpatterns as notification_sockets

websocket_urlpatterns = [*notification_sockets, *courier_sockets, *auction_sockets, *chat_sockets]
