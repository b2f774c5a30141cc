"""The Ethereum chain Soko talks to: the node (JSON-RPC at ``SOKO_ETH_RPC_URL``, through
web3.py), the contracts Soko deploys (sources in ``contracts/``, compiled ABI and bytecode in
``contracts/build/`` by ``node shop/chain/node/compile.mjs``) and the platform's account.

Nothing here knows whether the node is a provider's mainnet endpoint or the local chain the
tests and ``make run``'s crypto mode start: both are a URL that speaks JSON-RPC."""
