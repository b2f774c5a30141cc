"""M-Pesa's pages: the buyer's phone number, and Safaricom's callback (CSRF-exempt: it
comes from Safaricom, and proves nothing until Daraja's STK query confirms it)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from shop.core.middleware import raw_body

from ...gateways import status_url
from ...models import PaymentAttempt, Provider
from ...selectors import checkout_for_buyer
from ...services import attempt_failed
from .callbacks import MalformedCallback, UnknownResult, callback_process, status_result_process
from .client import MpesaError, normalise_phone
from .gateway import CheckoutClosed, mpesa_pay, mpesa_takes


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("M-Pesa phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


def _phone_initial(text: str) -> str:
    try:
        return normalise_phone(text)
    except forms.ValidationError:
        return ""


@login_required
@require_http_methods(["GET", "POST"])
def phone(request, reference):
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    if not mpesa_takes(checkout):
        if request.method == "POST":
            messages.info(request, _("This checkout no longer waits for a payment."))
        return redirect(status_url(checkout))
    form = PhoneForm(request.POST or None, initial={"phone": _phone_initial(checkout.phone)})
    if request.method == "POST" and form.is_valid():
        try:
            mpesa_pay(request=request, checkout=checkout, phone=form.cleaned_data["phone"])
        except CheckoutClosed as error:
            messages.info(request, str(error))
            return redirect(status_url(checkout))
        except MpesaError as error:
            form.add_error("phone" if error.about_phone else None, str(error))
        else:
            return redirect(status_url(checkout))
    return render(
        request, "payments/mpesa_phone.html", {"checkout": checkout, "form": form}, status=422 if form.errors else 200
    )


@login_required
@require_POST
def stop(request, reference, attempt_id: int):
    """The buyer stops waiting for the request on their phone and is offered the other ways
    to pay. Daraja cannot take a request back: a PIN entered afterwards still pays, and the
    callback (or the query job) records it as any late payment, paid or held for a refund."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    attempt = PaymentAttempt.objects.filter(checkout=checkout, pk=attempt_id, provider=Provider.MPESA).first()
    if attempt is not None and attempt.status == PaymentAttempt.Status.PENDING:
        attempt_failed(attempt_id=attempt.pk, status=PaymentAttempt.Status.CANCELLED, message=str(STOPPED))
    return redirect(status_url(checkout))


STOPPED = gettext_lazy("You stopped waiting for M-Pesa. If you still enter your PIN, that payment counts.")


@raw_body
@csrf_exempt
@require_POST
def callback(request):
    """Safaricom's result of a push. Any well-formed body is answered "Accepted" (Safaricom
    may drop a result it sees refused); what it changes is ``callback_process``'s to decide."""
    try:
        callback_process(json.loads(request.body), base_url=request.build_absolute_uri("/"))
    except (ValueError, RecursionError, MalformedCallback):  # RecursionError: JSON nested too deep
        return JsonResponse({"ResultCode": 1, "ResultDesc": "Rejected: not an stkCallback"}, status=400)
    return JsonResponse({"ResultCode": 0, "ResultDesc": "Accepted"})


@raw_body
@csrf_exempt
@require_POST
def status_result(request, token):
    """Daraja's answer to a Transaction Status query, at the address made for that one
    query: any other address, or the same one twice, is refused (404)."""
    try:
        status_result_process(token=token, payload=json.loads(request.body))
    except (ValueError, RecursionError, MalformedCallback):  # RecursionError: JSON nested too deep
        return JsonResponse({"ResultCode": 1, "ResultDesc": "Rejected: not a Result"}, status=400)
    except UnknownResult:
        return JsonResponse({"ResultCode": 1, "ResultDesc": "Rejected: no such query"}, status=404)
    return JsonResponse({"ResultCode": 0, "ResultDesc": "Accepted"})
