from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from couriers.models import CourierProfile

from .forms import ProfileForm
from .selectors import user_is_seller


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "is_seller": user_is_seller(user=request.user),
            "courier_profile": CourierProfile.objects.filter(user=request.user).first(),
        },
    )
