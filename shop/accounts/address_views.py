from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shop.geo.selectors import area_choices

from .address_forms import AREA_LEVELS, AddressForm
from .address_services import (
    address_delete,
    address_get_for_user,
    address_make_default,
    address_save,
    addresses_for_user,
)
from .models import Address


def _next_url(request) -> str:
    """Back to where the shopper came from (the checkout), when that is one of our pages."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return ""


def map_settings() -> dict:
    return {"tile_url": settings.SOKO_MAP_TILE_URL, "attribution": settings.SOKO_MAP_TILE_ATTRIBUTION}


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
        messages.success(request, f"Address “{address.label}” saved.")
        return redirect(_next_url(request) or "accounts:addresses")
    context = {"form": form, "address": address, "next": _next_url(request), "map": map_settings()}
    return render(request, "accounts/addresses_form.html", context)


@login_required
@require_POST
def address_remove(request, pk):
    address = address_get_for_user(user=request.user, pk=pk)
    address_delete(address=address)
    messages.success(request, f"Address “{address.label}” deleted.")
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_default(request, pk):
    address = address_make_default(address=address_get_for_user(user=request.user, pk=pk))
    messages.success(request, f"“{address.label}” is now your default address.")
    return redirect(_next_url(request) or "accounts:addresses")


# Which selects lie below each area select: the next is filled, the others emptied.
SELECTS_BELOW = {name: [level[0] for level in AREA_LEVELS[i + 1 :]] for i, (name, _k, _l) in enumerate(AREA_LEVELS[:-1])}


@login_required
@require_GET
def area_options(request):
    """``<option>``s for the select below the one just changed (htmx), with the selects
    further down emptied out of band: ``?country=<id>`` gives its regions."""
    name = next((name for name in SELECTS_BELOW if name in request.GET), None)
    value = request.GET.get(name, "") if name else ""
    choices = area_choices(parent=int(value)) if value.isdigit() else []
    cleared = SELECTS_BELOW[name][1:] if name else []
    return render(request, "accounts/addresses_area_options.html", {"choices": choices, "cleared": cleared})
