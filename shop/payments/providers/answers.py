"""What a provider's error says about the request it answers.

A refusal (a card error, an invalid request, PayPal's 4xx with its issue) means nothing
was done: the request may be failed for staff to look at. No answer, a lost answer, "too
many requests" or the provider's own failure (5xx) say nothing of the kind: the provider
may have done it. Such a request is never read as refused; it is asked again under the
same key, which the provider replays, or looked for first (a card refund's metadata).
"""

import stripe

from .paypal.client import PaypalError

UNKNOWN_STRIPE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def outcome_unknown(error: Exception) -> bool:
    """Whether ``error`` leaves open if the provider carried out the request."""
    if isinstance(error, UNKNOWN_STRIPE):
        return True
    if isinstance(error, PaypalError):
        return error.status == 0 or error.status == 429 or error.status >= 500
    return False
