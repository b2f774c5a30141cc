"""A local Ethereum node for the tests: ganache from the npm registry (shop/chain/node),
spoken to over JSON-RPC on HTTP exactly as production speaks to its provider's RPC URL.

The node starts with ganache's deterministic wallet (ten accounts with 1,000 ether each,
the same keys every run), chain id 1337 and instant mining: a block per transaction, and
more on ``evm_mine``. ``evm_snapshot`` / ``evm_revert`` let a test roll the chain back to
build a reorganisation."""

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

GANACHE = Path(__file__).resolve().parent.parent / "shop" / "chain" / "node" / "node_modules" / ".bin" / "ganache"
CHAIN_ID = 1337
# ganache --wallet.deterministic: the mnemonic's first accounts and their private keys.
MNEMONIC = "myth like bonus scare over problem client lizard pioneer submit female collect"


def rpc(url: str, method: str, *params):
    """One JSON-RPC call; the result, or RuntimeError with the node's error."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def ganache(*, accounts: int = 10) -> Iterator[str]:
    """Start ganache on a free loopback port, wait until it answers, yield its URL, stop it."""
    if not GANACHE.exists():
        message = "needs the local Ethereum node: `npm ci --prefix shop/chain/node` (make install-test does it)"
        if os.environ.get("SOKO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"SOKO_REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(GANACHE),
            "--server.host=127.0.0.1",
            f"--server.port={port}",
            "--wallet.deterministic",
            f"--wallet.totalAccounts={accounts}",
            f"--chain.chainId={CHAIN_ID}",
            "--logging.quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                rpc(url, "eth_chainId")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ganache did not start: {process.stderr.read().decode(errors='replace')}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
