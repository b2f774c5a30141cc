"""The job board's pushes reach each courier in their own language (decision 0011: pushed
fragments are rendered in the recipient's language), not in the language of whoever caused
them: a seller working in French publishes a job, and the Swahili courier's board shows
its card in Swahili. Every language the site speaks is walked, so one added to
``settings.LANGUAGES`` is covered too."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from couriers.services import job_accept, job_create
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

from .conftest import ready_order

pytestmark = pytest.mark.django_db(transaction=True)

ACCEPT = "Accept"  # the card's button
TAKEN = "Another courier took this job."  # the line a taken card gives way to


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


def said_in(code: str, text: str) -> str:
    with translation.override(code):
        return gettext(text)


def courier_in(district, code: str):
    courier = courier_serving(district)
    courier.language = code
    courier.save(update_fields=["language"])
    return courier


async def everything(socket) -> str:
    received = []
    while not await socket.receive_nothing(timeout=0.5):
        received.append(await socket.receive_from())
    return "".join(received)


def test_a_swahili_courier_gets_a_french_sellers_job_in_swahili(application, shop_area, district):
    assert said_in("sw", ACCEPT) != ACCEPT and said_in("fr", ACCEPT) != ACCEPT  # the catalogs are compiled
    swahili, english, rival = courier_in(district, "sw"), courier_in(district, ""), courier_in(district, "fr")
    order = ready_order(shop_area)
    seller = member_of(order)
    seller.language = "fr"
    seller.save(update_fields=["language"])
    cookies = [session_cookie(Client(), user) for user in (swahili, english)]

    def publish_in_french():
        with translation.override("fr"):  # the seller's request
            return job_create(order=order, actor=seller)

    def taken_by_the_french_rival(job):
        with translation.override("fr"):
            job_accept(job_id=job.pk, courier=rival)

    async def story():
        sockets = []
        for cookie in cookies:
            socket = WebsocketCommunicator(application, "/ws/jobs/", headers=[*SOKO_ORIGIN, cookie])
            connected, _ = await socket.connect(timeout=3)
            assert connected
            sockets.append(socket)
        job = await database_sync_to_async(publish_in_french)()
        in_swahili, in_english = await sockets[0].receive_from(timeout=3), await sockets[1].receive_from(timeout=3)
        assert f'id="job-{job.pk}"' in in_swahili and f'id="job-{job.pk}"' in in_english
        assert said_in("sw", ACCEPT) in in_swahili and said_in("fr", ACCEPT) not in in_swahili
        assert ACCEPT in in_english and said_in("fr", ACCEPT) not in in_english

        await database_sync_to_async(taken_by_the_french_rival)(job)
        gone_swahili, gone_english = await everything(sockets[0]), await everything(sockets[1])
        assert f'<article id="job-{job.pk}"' in gone_swahili and said_in("sw", TAKEN) in gone_swahili
        assert said_in("fr", TAKEN) not in gone_swahili
        assert TAKEN in gone_english and said_in("fr", TAKEN) not in gone_english
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(story)()


def test_every_language_gets_the_card_in_its_own_words(application, shop_area, district):
    """One courier per language of the site (chosen on the account, or only by the
    browser), and a job published from a request in another language."""
    codes = [code for code, _name in settings.LANGUAGES]
    words = {code: said_in(code, ACCEPT) for code in codes}
    assert len(set(words.values())) == len(codes)  # each language's own word (catalogs compiled)
    order = ready_order(shop_area)
    headers = []
    for code in codes:
        by_account = courier_in(district, code)
        by_browser = courier_in(district, "")
        headers.append([*SOKO_ORIGIN, session_cookie(Client(), by_account)])
        headers.append([*SOKO_ORIGIN, (b"accept-language", f"{code};q=0.9".encode()), session_cookie(Client(), by_browser)])
    sender = codes[-1]

    def publish():
        with translation.override(sender):
            return job_create(order=order, actor=member_of(order))

    async def story():
        sockets = []
        for socket_headers in headers:
            socket = WebsocketCommunicator(application, "/ws/jobs/", headers=socket_headers)
            connected, _ = await socket.connect(timeout=3)
            assert connected
            sockets.append(socket)
        job = await database_sync_to_async(publish)()
        for index, socket in enumerate(sockets):
            code = codes[index // 2]
            card = await socket.receive_from(timeout=3)
            assert f'id="job-{job.pk}"' in card
            assert words[code] in card, (code, "by account" if index % 2 == 0 else "by browser")
            assert not [other for other in codes if other != code and words[other] in card.replace(words[code], "")]
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(story)()
