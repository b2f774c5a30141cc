"""Where PayPal sends the buyer back: approved (capture now) or cancelled."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ...models import PaymentAttempt, Provider
from ...services import attempt_failed
from .callbacks import paypal_capture
from .client import PaypalError


def _attempt(request) -> PaymentAttempt:
    token = request.GET.get("token", "")[:255]
    attempt = (
        PaymentAttempt.objects.filter(provider=Provider.PAYPAL, reference=token, checkout__buyer=request.user)
        .select_related("checkout")
        .first()
        if token
        else None
    )
    if attempt is None:
        raise Http404("No such PayPal payment.")
    return attempt


def _status(attempt: PaymentAttempt):
    return redirect(reverse("payments:status", args=[attempt.checkout.idempotency_key]))


@login_required
@require_GET
def paypal_return(request):
    attempt = _attempt(request)
    if attempt.status == PaymentAttempt.Status.PENDING:
        try:
            paypal_capture(attempt)
        except PaypalError as error:
            messages.error(request, _("PayPal could not confirm the payment yet: %(error)s") % {"error": error})
    return _status(attempt)


@login_required
@require_GET
def paypal_cancel(request):
    attempt = _attempt(request)
    attempt_failed(
        attempt_id=attempt.pk, status=PaymentAttempt.Status.CANCELLED, message=_("You cancelled the PayPal payment.")
    )
    return _status(attempt)
