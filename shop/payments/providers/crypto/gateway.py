"""Paying with a stablecoin from a wallet: the checkout's total quoted in the token,
deposited for the checkout's id into Soko's escrow contract, confirmed by the watcher
(``watcher.py``) after ``SOKO_ETH_CONFIRMATIONS`` blocks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.chain.node import ChainUnavailable

from ...gateways import Gateway, register, status_url
from ...models import Provider
from .client import REQUIRED_SETTINGS, crypto_configured
from .quotes import GATEWAY_CODE, QuoteRefused, pay_url, quote_create, rate_for


@register
class CryptoGateway(Gateway):
    code = GATEWAY_CODE
    provider = Provider.CRYPTO
    label = gettext_lazy("Stablecoin wallet")
    description = gettext_lazy(
        "Pay in dollar stablecoins from your crypto wallet, at a price locked for a few minutes."
    )
    icon = "bi-wallet2"
    online = True
    required_settings = REQUIRED_SETTINGS

    def available_for(self, checkout) -> bool:
        return crypto_configured() and checkout.total > 0 and rate_for(checkout.currency) is not None

    def start(self, request, checkout):
        try:
            quote_create(checkout=checkout)
        except QuoteRefused as refused:
            messages.error(request, str(refused))
            return _see_other(status_url(checkout))
        except ChainUnavailable:
            messages.error(request, _("We cannot reach the blockchain right now. Please choose another way to pay."))
            return _see_other(status_url(checkout))
        return _see_other(pay_url(checkout))


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
