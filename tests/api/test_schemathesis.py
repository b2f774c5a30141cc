"""Schemathesis reads the OpenAPI document of a live Soko (gunicorn as production serves
HTTP, DEBUG=0, fresh processes on the test database) and sends every operation schema-valid and schema-breaking requests,
as a visitor and signed in as a buyer, a seller, a courier and staff (after the
authenticator step): no server error, no answer the document does not describe, no valid
request refused, no invalid one accepted.

It runs on PostgreSQL only, production's database: the API's code is the same on SQLite,
and a fuzz run is the suite's longest test.

The run is seeded, so a failure reproduces; ``st run <url>/api/v1/schema/?format=json
--checks all`` against ``make run`` explores further with fresh seeds."""

import json
import re
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import global_settings
from django.db import connection

from tests.factories import CourierProfileFactory, StoreFactory, UserFactory, totp_code
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.production_server import production_env, production_gunicorn

from .conftest import verified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

HOST = "127.0.0.1"
SEED = "20261125"
EXAMPLES = "15"
# The operations each account is fuzzed on: a visitor and a buyer on all of them, the others
# on their own areas and what they share (a seller's and a courier's refusals elsewhere are
# a buyer's). Between them, every operation is fuzzed signed out and signed in.
OPERATIONS = {
    "visitor": "",
    "buyer": r"^/api/v1/(?!seller/|courier/)",
    "seller": r"^/api/v1/(seller|auctions|conversations|offers|ens|me)/",
    "courier": r"^/api/v1/(courier|conversations|me)/",
    "staff": r"^/api/v1/(me|conversations|orders|products|stores)/",
}
# The coverage phase (every boundary and schema-breaking value of every parameter, the same
# cases whoever asks; two thirds of a run) on the operations each account is the one to
# reach past the permission check: a visitor on all, the buyer on everything shared, the
# others on their own areas. The other phases run on each account's OPERATIONS.
COVERAGE = {
    **OPERATIONS,
    "seller": r"^/api/v1/(seller|auctions)/",
    "courier": r"^/api/v1/courier/",
    "staff": r"^/api/v1/(orders|products|stores)/",
}
OTHER_PHASES = "examples,fuzzing,stateful"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _post(url: str, body: dict, **headers) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as refused:  # 401: a step is pending
        return json.load(refused)


def _access_token(url: str, email: str, secret: str = "") -> str:
    from tests.factories import PASSWORD

    answer = _post(f"{url}/api/v1/auth/login", {"email": email, "password": PASSWORD})
    if secret:  # the authenticator app's step
        answer = _post(
            f"{url}/api/v1/auth/2fa/authenticate", {"code": totp_code(secret)}, **{"X-Session-Token": answer["meta"]["session_token"]}
        )
    return answer["meta"]["access_token"]


@pytest.fixture
def people(db, settings):
    # The live server is another process, with production's password hashers.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    home = CategoryFactory(name="Home", slug="home-goods")
    seller = verified(UserFactory(email="seller@example.test"))
    store = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri", owner=seller, latitude=Decimal("-1.26"), longitude=Decimal("36.80"))
    for number in range(30):
        ProductFactory(store=store, category=home, title=f"Kiondo basket {number}", images=1 if number < 3 else 0)
    courier = CourierProfileFactory(status="approved", user=verified(UserFactory(email="courier@example.test"))).user
    return {
        "buyer": (verified(UserFactory(email="buyer@example.test")).email, ""),
        "seller": (seller.email, ""),
        "courier": (courier.email, ""),
        "staff": (verified(UserFactory(email="staff@example.test", is_staff=True, totp=TOTP_SECRET)).email, TOTP_SECRET),
    }


# One run of schemathesis, allowed up to ten minutes on a busy machine; one test per account,
# so that CI deals them out to its lanes.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("who", list(OPERATIONS))
def test_schemathesis_finds_nothing(who, people, tmp_path):
    env = production_env(
        host=HOST,
        workdir=tmp_path,
        db_name=connection.settings_dict["NAME"],
        SOKO_API_RATE_PER_ADDRESS="100000/min",
        SOKO_API_RATE_PER_USER="100000/min",
        LOG_LEVEL="WARNING",
    )
    email, secret = people.get(who, ("", ""))
    with production_gunicorn(env=env, host=HOST, workdir=tmp_path) as (url, _proc, log_path):
        schema = f"{url}/api/v1/schema/?format=json"
        headers = ["-H", f"Authorization: Bearer {_access_token(url, email, secret)}"] if email else []
        if COVERAGE[who] == OPERATIONS[who]:
            runs = [("coverage," + OTHER_PHASES, OPERATIONS[who])]
        else:
            runs = [("coverage", COVERAGE[who]), (OTHER_PHASES, OPERATIONS[who])]
        for phases, paths in runs:
            only = ["--include-path-regex", paths] if paths else []
            started = time.monotonic()
            run = subprocess.run(
                [str(Path(sys.executable).with_name("st")), "run", schema, "--checks", "all", "--workers", "1",
                 "--phases", phases, "--max-examples", EXAMPLES, "--seed", SEED, "--request-timeout", "30",
                 *only, *headers],
                capture_output=True, text=True, timeout=600, cwd=tmp_path,
            )  # fmt: skip
            print(f"schemathesis as {who} ({phases}): exit {run.returncode} in {time.monotonic() - started:.1f} s")
            # Its report's failures, without the warnings after them.
            failures = run.stdout.partition("= FAILURES =")[2].partition("= WARNINGS =")[0]
            assert run.returncode == 0, failures or run.stdout[-4000:]
            assert re.search(r"Tested: [1-9]", run.stdout), run.stdout[-4000:]
        server_log = log_path.read_text(errors="replace")

    # gunicorn's access log: '127.0.0.1 - - [date] "GET /path HTTP/1.1" 200 512 …'
    assert re.findall(r'"[A-Z]+ /api/[^"]*" 5\d\d ', server_log) == []
