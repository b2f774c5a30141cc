"""The job board's socket at /ws/jobs/: a new job reaches the couriers of its area, and
leaves their boards when taken; couriers elsewhere, and non-couriers, hear nothing."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from couriers.services import job_accept, job_create
from tests.factories import UserFactory
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of
from tests.geo.factories import AreaFactory
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

from .conftest import ready_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


def test_new_jobs_reach_the_couriers_of_their_area_live(application, shop_area, district):
    here, there, shopper = courier_serving(district), courier_serving(AreaFactory(name="Elsewhere")), UserFactory()
    order = ready_order(shop_area)
    owner = member_of(order)
    cookies = [session_cookie(Client(), user) for user in (here, there, shopper)]

    async def story():
        sockets = []
        for cookie in cookies:
            socket = WebsocketCommunicator(application, "/ws/jobs/", headers=[*SOKO_ORIGIN, cookie])
            connected, _ = await socket.connect(timeout=3)
            assert connected
            sockets.append(socket)
        job = await database_sync_to_async(job_create)(order=order, actor=owner)
        card = await sockets[0].receive_from(timeout=3)
        assert f'id="job-{job.pk}"' in card and "afterbegin:#job-list" in card
        assert await sockets[1].receive_nothing(timeout=0.3)
        assert await sockets[2].receive_nothing(timeout=0.3)

        await database_sync_to_async(job_accept)(job_id=job.pk, courier=here)
        messages = []
        while not await sockets[0].receive_nothing(timeout=0.5):
            messages.append(await sockets[0].receive_from())
        gone = [message for message in messages if f'<article id="job-{job.pk}"' in message]
        assert gone and 'hx-swap-oob="true"' in gone[0] and "Another courier took this job." in gone[0]
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(story)()
