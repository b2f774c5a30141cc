"""The chain's background jobs (thin: each calls a service)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .node import ChainNotConfigured, ChainUnavailable, chain_configured
from .services.escrow import (
    escrow_transfer_confirmed,
    escrow_transfer_settle,
    escrow_transfers_recent,
    escrow_transfers_unsettled,
)
from .services.transactions import ContractRefused, TransactionPending, block_height

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def escrow_transfers_sweep():
    """Transfers a lost job left signed or sent are brought to the chain, in nonce order, so
    a nonce never stays a gap that holds back every later transaction; recently mined ones
    whose block a reorganisation took away are sent again."""
    if not chain_configured():
        return
    try:
        for transfer in escrow_transfers_unsettled():
            try:
                escrow_transfer_settle(transfer)
            except TransactionPending as error:
                log.warning("escrow transfer %s not settled: %s", transfer.key, error)
                return
            except ContractRefused as error:
                log.error("escrow transfer %s refused by the contract: %s", transfer.key, error)
        for transfer in escrow_transfers_recent(head=block_height()):
            escrow_transfer_confirmed(transfer)
    except (ChainNotConfigured, ChainUnavailable) as error:
        log.warning("escrow transfers not swept: %s", error)
