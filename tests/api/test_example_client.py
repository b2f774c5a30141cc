"""examples/api_client.py, run as a person would run it, against a live Soko (daphne, a
fresh process, ``DEBUG=1`` so card payments go to the development gateway, mail written to
a folder): it signs up with the mailed code, searches, buys, pays by card, follows the
order, asks the store and bids; then the database shows each of those."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import global_settings
from django.db import connection

from shop.auctions.models import Bid
from shop.chat.models import Conversation
from shop.orders.models import Order
from tests.factories import StoreFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.geo.factories import AreaFactory
from tests.production_server import production_daphne, production_env

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "127.0.0.1"
CLIENT = Path(__file__).resolve().parents[2] / "examples" / "api_client.py"


@pytest.fixture
def market(db, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    home = CategoryFactory(name="Home", slug="home-goods")
    store = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri")
    ProductFactory(store=store, category=home, title="Kiondo basket", variants=[{"price": Decimal("1200"), "stock": 5}])
    AreaFactory(name="Westlands", parent=AreaFactory(name="Nairobi", parent=AreaFactory(name="Kenya")))
    return live_auction(title="Carved chess set", start_price="500")


def test_the_example_client_does_what_it_says(market, tmp_path):
    mail = tmp_path / "mail"
    mail.mkdir()
    env = production_env(
        host=HOST,
        workdir=tmp_path,
        db_name=connection.settings_dict["NAME"],
        DEBUG="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail),
        LOG_LEVEL="WARNING",
    )
    with production_daphne(env=env, host=HOST, workdir=tmp_path) as (url, _proc, log_path):
        run = subprocess.run(
            [
                sys.executable,
                str(CLIENT),
                "--base",
                url,
                "--email",
                "wanjiru@example.test",
                "--mail-dir",
                str(mail),
                "--search",
                "kiondo",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        server_log = log_path.read_text(errors="replace")

    assert run.returncode == 0, run.stdout + run.stderr + server_log[-3000:]
    order = Order.objects.get(buyer__email="wanjiru@example.test")
    assert order.checkout.payment_status == "paid"
    assert "payment: paid" in run.stdout
    assert Conversation.objects.filter(buyer=order.buyer, store=order.store).exists()
    assert Bid.objects.filter(auction=market, bidder=order.buyer).exists()
