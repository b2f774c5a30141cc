"""A store's ENS check whose job was lost (a queue that restarted empty, a worker killed
while it held the job) is made when the nightly recheck, ``stores_ens_recheck``, asks for
it again the next night: a name that points elsewhere still loses its badge. On the local
chain with ENS, as test_ens_chain.py."""

import pytest

from sellers.models import Store
from sellers.services import store_ens_verify, stores_ens_recheck
from tests.sellers import test_ens_chain as ens
from tests.sellers.test_ens_chain import ALICE, BOB, DOMAIN, issue, sign

pytestmark = pytest.mark.django_db

chain, on_chain, store, seller = ens.chain, ens.on_chain, ens.store, ens.seller


def ens_badge(store) -> tuple[bool, str]:
    verified = Store.objects.get(pk=store.pk)
    return verified.ens_verified_at is not None, verified.ens_address


def test_an_ens_check_whose_job_was_lost_is_made(on_chain, store, seller, jobs_lost, django_capture_on_commit_callbacks):
    challenge = issue(store, seller)
    store_ens_verify(store=store, message=challenge.message, signature=sign(challenge.message, ALICE), domain=DOMAIN)
    on_chain.point("shop.eth", to=BOB.address, owner=ALICE.address)

    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        assert stores_ens_recheck() == 1

    assert lost == ["sellers.store_ens_check"]
    assert ens_badge(store) == (True, ALICE.address)

    with django_capture_on_commit_callbacks(execute=True):
        assert stores_ens_recheck() == 1

    assert ens_badge(store) == (False, "")
    assert stores_ens_recheck() == 0
