"""M-Pesa's pages: the buyer's phone number, and Safaricom's callback (CSRF-exempt: it
comes from Safaricom, and proves nothing until Daraja's STK query confirms it)."""

import json
from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .models import PaymentAttempt, Provider
from .mpesa import MpesaError, MpesaGateway, callback_process, normalise_phone, push_send
from .selectors import checkout_for_buyer
from .services import attempt_create, attempt_failed, checkout_awaits_payment
from .stripe_gateway import status_url

# A second submit within this long finds the push already on its way.
RESUBMIT_WINDOW = timedelta(seconds=60)


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("M-Pesa phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


@login_required
@require_http_methods(["GET", "POST"])
def phone(request, reference):
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    if not checkout_awaits_payment(checkout) or not MpesaGateway().available_for(checkout):
        return redirect(status_url(checkout))
    try:
        initial = normalise_phone(checkout.phone)
    except forms.ValidationError:
        initial = ""
    form = PhoneForm(request.POST or None, initial={"phone": initial})
    if request.method == "POST" and form.is_valid():
        recent = PaymentAttempt.objects.filter(
            checkout=checkout,
            provider=Provider.MPESA,
            status=PaymentAttempt.Status.PENDING,
            created_at__gte=timezone.now() - RESUBMIT_WINDOW,
        ).exclude(reference="")
        if recent.exists():
            return redirect(status_url(checkout))
        if checkout.payment_method != MpesaGateway.code:
            checkout.payment_method = MpesaGateway.code
            checkout.save(update_fields=["payment_method", "updated_at"])
        attempt = attempt_create(
            checkout=checkout, gateway=MpesaGateway.code, provider=Provider.MPESA, phone=form.cleaned_data["phone"]
        )
        try:
            push_send(request=request, attempt=attempt)
        except MpesaError as error:
            attempt_failed(attempt_id=attempt.pk, message=str(error))
            form.add_error(None, str(error))
        else:
            return redirect(status_url(checkout))
    return render(
        request, "payments/mpesa_phone.html", {"checkout": checkout, "form": form}, status=422 if form.errors else 200
    )


@csrf_exempt
@require_POST
def callback(request):
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"ResultCode": 1, "ResultDesc": "Rejected: not JSON"}, status=400)
    status, reason = callback_process(payload)
    if status == 400:
        return JsonResponse({"ResultCode": 1, "ResultDesc": f"Rejected: {reason}"}, status=400)
    return JsonResponse({"ResultCode": 0, "ResultDesc": "Accepted"}, status=status)
