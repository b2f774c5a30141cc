from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from shop.core.permissions import capability_required

from .forms import CourierProfileForm
from .models import CourierProfile
from .selectors import user_is_courier

courier_required = capability_required(
    lambda user: user_is_courier(user=user),
    "Deliveries are for approved couriers. Apply to deliver, and staff will review your profile.",
    action=("Apply to deliver", "couriers:apply"),
)


@login_required
def apply(request):
    profile = CourierProfile.objects.filter(user=request.user).first()
    if profile and profile.status == CourierProfile.Status.APPROVED:
        return redirect("couriers:home")
    form = CourierProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        profile.user = request.user
        profile.status = CourierProfile.Status.PENDING
        profile.save()
        messages.success(request, "Thanks! Staff will review your courier profile; we will notify you.")
        return redirect("couriers:apply")
    return render(request, "couriers/apply.html", {"form": form, "profile": profile})


@courier_required
def home(request):
    return render(request, "couriers/home.html", {"profile": request.user.courier_profile})
