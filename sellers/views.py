from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from shop.accounts.selectors import user_is_seller
from shop.core.permissions import capability_required

from .forms import StoreSetupForm
from .selectors import store_for_member
from .services import store_create

seller_required = capability_required(
    lambda user: user_is_seller(user=user),
    "The seller dashboard is for store owners and staff. Open a store to start selling.",
    action=("Open a store", "sellers:setup"),
)


@login_required
def setup(request):
    if user_is_seller(user=request.user):
        return redirect("sellers:dashboard")
    form = StoreSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        store = store_create(owner=request.user, **form.cleaned_data)
        messages.success(request, f"Welcome to Soko! {store.name} is ready.")
        return redirect("sellers:dashboard")
    return render(request, "sellers/setup.html", {"form": form})


@seller_required
def dashboard(request):
    store = store_for_member(user=request.user)
    return render(request, "sellers/dashboard.html", {"store": store})


@seller_required
def settings_edit(request):
    store = store_for_member(user=request.user)
    form = StoreSetupForm(request.POST or None, instance=store)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Store details saved.")
        return redirect("sellers:dashboard")
    return render(request, "sellers/settings.html", {"form": form, "store": store})
