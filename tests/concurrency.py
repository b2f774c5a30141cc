"""The race tests' one harness: callables started at the same moment, each in its own thread.

``at_once(calls)`` starts one thread per callable; each waits behind one
``threading.Barrier`` until all are ready, then they run together. Django gives every
thread its own database connection, so each call runs on its own connection (its own
transaction, its own row locks: PostgreSQL serialises them, SQLite's IMMEDIATE
transactions take them in turn); each thread closes its connections when its call ends,
so none is left open for the test database's teardown (nor kept from the pool).

It answers, in the order of ``calls``, what each call returned or the exception it
raised: a test inspects every outcome (the winner's result, the losers' refusals), and
an unexpected exception shows in its assertion rather than vanishing in a thread.

    outcomes = at_once([lambda: bid_place(...), lambda: bid_place(...)])
    assert sum(isinstance(outcome, AuctionError) for outcome in outcomes) == 1
"""

import threading
from collections.abc import Callable, Sequence

from django.db import connections


def at_once(calls: Sequence[Callable[[], object]], *, timeout: float = 60) -> list:
    """Run each of ``calls`` in its own thread, all released together by a barrier; return
    each one's result or the exception it raised, in the order of ``calls``.

    ``timeout`` bounds the wait at the barrier: if a thread does not arrive in time, the
    barrier breaks and every call answers ``threading.BrokenBarrierError``."""
    calls = list(calls)
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - each call's outcome is the test's to inspect
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
