"""Writes on chain, signed with the platform's key: ``transactions`` (nonces, signing,
sending, deploying) and ``escrow`` (releases and refunds out of the escrow, once each)."""
