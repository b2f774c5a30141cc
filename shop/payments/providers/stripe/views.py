"""Stripe's webhook: CSRF-exempt (Stripe signs it instead, ``callbacks.webhook_process``)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.core.middleware import raw_body

from .callbacks import webhook_process


@raw_body
@csrf_exempt
@require_POST
def stripe_webhook(request):
    status, reason = webhook_process(request.body, request.headers.get("Stripe-Signature"))
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
