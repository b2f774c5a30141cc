from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.accounts.addresses.forms import AddressForm
from shop.accounts.addresses.selectors import address_get_for_user, addresses_for_user
from shop.accounts.addresses.services import address_delete, address_make_default, address_save
from shop.accounts.models import Address
from shop.core.redirects import safe_next_url
from shop.core.refusals import REFUSED_STATUS
from shop.geo.selectors.areas import map_settings


def _next_url(request) -> str:
    """Back to where the shopper came from (the checkout), when that is one of our pages."""
    return safe_next_url(request)


@login_required
def address_list(request):
    return render(request, "accounts/addresses.html", {"addresses": addresses_for_user(user=request.user)})


@login_required
def address_add(request):
    return _address_form(request, Address(user=request.user))


@login_required
def address_edit(request, pk):
    return _address_form(request, address_get_for_user(user=request.user, pk=pk))


def _address_form(request, address: Address):
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        address = address_save(address=form.instance, make_default=form.cleaned_data.get("make_default", False))
        messages.success(request, _("Address “%(label)s” saved.") % {"label": address.title})
        return redirect(_next_url(request) or "accounts:addresses")
    context = {"form": form, "address": address, "next": _next_url(request), "map": map_settings()}
    status = REFUSED_STATUS if request.method == "POST" else 200  # refused: the form as typed, with why
    return render(request, "accounts/addresses_form.html", context, status=status)


@login_required
@require_POST
def address_remove(request, pk):
    address = address_get_for_user(user=request.user, pk=pk)
    address_delete(address=address)
    messages.success(request, _("Address “%(label)s” deleted.") % {"label": address.title})
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_default(request, pk):
    address = address_make_default(address=address_get_for_user(user=request.user, pk=pk))
    messages.success(request, _("“%(label)s” is now your default address.") % {"label": address.title})
    return redirect(_next_url(request) or "accounts:addresses")
