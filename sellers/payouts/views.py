"""The store's money: what is due, held and paid out, every line explained from the
ledger, the Stripe account payouts go to and the wallet stablecoin payouts go to (the
owner sets them up)."""

import stripe
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.core.refusals import REFUSED_STATUS
from shop.geo.selectors.areas import area_country
from shop.payments.gateways import provider_page
from shop.payments.ledger.selectors import store_balances, store_lines, store_lines_with_refunds
from shop.payments.payouts.connect import connect_account, connect_onboarding_url, connect_refresh
from shop.payments.payouts.selectors import store_stablecoin_waiting

from ..decorators import current_store, dashboard_context, seller_required
from .forms import WalletAddressForm

LINES_PER_PAGE = 25


@seller_required
@require_GET
def payouts(request):
    return _payouts_page(request, current_store(request))


def _payouts_page(request, current, wallet_form=None, status=200):
    store = current.store
    page = Paginator(store_lines(store.pk), LINES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **dashboard_context(request, current),
        "balances": store_balances(store.pk),
        "page": page,
        "lines": store_lines_with_refunds(page.object_list),
        "account": connect_account(store),
        "protection_days": settings.SOKO_BUYER_PROTECTION_DAYS,
        "wallet_form": wallet_form or WalletAddressForm(instance=store),
        "stablecoin_waiting": store_stablecoin_waiting(store),
    }
    return render(request, "sellers/payouts.html", context, status=status)


def _owner_or_refuse(request, current) -> bool:
    if current.membership.is_owner:
        return True
    messages.error(request, _("Only the store's owner can set up payouts."))
    return False


@seller_required
@require_POST
def wallet_save(request):
    """The owner sets (or clears) the wallet stablecoin payouts are released to; shares
    waiting for it go out with the next run of the release job."""
    current = current_store(request)
    if not _owner_or_refuse(request, current):
        return redirect("sellers:payouts")
    form = WalletAddressForm(request.POST, instance=current.store)
    if not form.is_valid():
        return _payouts_page(request, current, wallet_form=form, status=REFUSED_STATUS)
    store = form.save(commit=False)
    store.save(update_fields=["wallet_address", "updated_at"])
    if form.instance.wallet_address:
        messages.success(
            request, _("Stablecoin payouts go to %(address)s.") % {"address": form.instance.wallet_address}
        )
    else:
        messages.info(request, _("Stablecoin payouts wait until you add a wallet address."))
    return redirect("sellers:payouts")


@seller_required
@require_POST
def connect_start(request):
    current = current_store(request)
    if not _owner_or_refuse(request, current):
        return redirect("sellers:payouts")
    store = current.store
    country = area_country(area=store.area).code if store.area_id else ""
    try:
        url = connect_onboarding_url(
            store=store,
            email=request.user.email,
            country=(country or "KE")[:2].upper(),
            return_url=request.build_absolute_uri(reverse("sellers:payouts_connect_return")),
            refresh_url=request.build_absolute_uri(reverse("sellers:payouts_connect_refresh")),
        )
    except stripe.StripeError as error:
        messages.error(
            request,
            _("Stripe could not set up your account right now: %(error)s")
            % {"error": error.user_message or _("try again later.")},
        )
        return redirect("sellers:payouts")
    # A page that goes on to Stripe: a redirect answering this POST would be refused (form-action).
    return provider_page(
        request, url=url, provider="Stripe", lead=_("You set up your payouts on Stripe's page, then come back here.")
    )


@seller_required
@require_GET
def connect_return(request):
    """Back from Stripe's onboarding: read the account's state from Stripe."""
    current = current_store(request)
    try:
        account = connect_refresh(current.store)
    except stripe.StripeError:
        messages.error(request, _("Stripe could not be reached to check your account; this page shows it as it was."))
        return redirect("sellers:payouts")
    if account is not None and account.payouts_enabled:
        messages.success(request, _("Your Stripe account is ready: payouts go there."))
    elif account is not None:
        messages.info(request, _("Your Stripe account is not finished yet."))
    return redirect("sellers:payouts")


@seller_required
@require_GET
def connect_refresh_link(request):
    """Stripe's link expired (Stripe sends the owner here): back to the page, whose
    button makes a fresh one."""
    messages.info(request, _("The set-up link expired. Continue where you left off."))
    return redirect("sellers:payouts")
