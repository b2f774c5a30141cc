"""Stripe Connect Express: a store's own account, where its payouts are transferred.

One account per store, created once (its idempotency key is the store's); onboarding
happens on Stripe's pages through a short-lived account link, and the account's state
is read back from Stripe on return (and on ``account.updated`` webhooks)."""

from __future__ import annotations

from ..models import ConnectedAccount, Provider
from ..providers.stripe.client import stripe_client


def connect_account(store) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(store=store).first()


def connect_onboarding_url(*, store, email: str, country: str, return_url: str, refresh_url: str) -> str:
    """The Stripe page where the store's owner sets up payouts (raises ``stripe.StripeError``)."""
    client = stripe_client()
    account = connect_account(store)
    if account is None:
        created = client.v1.accounts.create(
            params={
                "type": "express",
                "country": country,
                "email": email,
                "capabilities": {"transfers": {"requested": True}},
            },
            options={"idempotency_key": f"store-{store.pk}-account"},
        )
        account, _created = ConnectedAccount.objects.get_or_create(
            store=store, defaults={"account_id": created.id, "provider": Provider.STRIPE}
        )
    link = client.v1.account_links.create(
        params={
            "account": account.account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.url


def connect_refresh(store) -> ConnectedAccount | None:
    """Read the account's state back from Stripe (raises ``stripe.StripeError``)."""
    account = connect_account(store)
    if account is None:
        return None
    remote = stripe_client().v1.accounts.retrieve(account.account_id)
    account.details_submitted = bool(remote.details_submitted)
    account.payouts_enabled = bool(remote.payouts_enabled)
    account.save(update_fields=["details_submitted", "payouts_enabled", "updated_at"])
    return account
