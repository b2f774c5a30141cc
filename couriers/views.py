from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.permissions import capability_required

from .forms import CourierProfileForm
from .models import CourierProfile
from .selectors import user_is_courier

NOT_A_COURIER = {
    None: (
        gettext_lazy("Deliveries are for approved couriers. Apply to deliver, and staff will review your profile."),
        (gettext_lazy("Apply to deliver"), "couriers:apply"),
    ),
    CourierProfile.Status.PENDING: (
        gettext_lazy("Your courier application is awaiting approval. Staff review every new courier; "
        "we will notify you when the job board opens for you."),
        (gettext_lazy("See my application"), "couriers:apply"),
    ),
    CourierProfile.Status.REJECTED: (
        gettext_lazy("Your courier application was not approved. Update your details and apply again."),
        (gettext_lazy("Update my application"), "couriers:apply"),
    ),
}


def _application_status(user) -> str | None:
    return CourierProfile.objects.filter(user=user).values_list("status", flat=True).first()


def _not_a_courier(user) -> tuple[str, tuple[str, str]]:
    return NOT_A_COURIER.get(_application_status(user), NOT_A_COURIER[None])


courier_required = capability_required(
    lambda user: user_is_courier(user=user),
    lambda user: _not_a_courier(user)[0],
    action=lambda user: _not_a_courier(user)[1],
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
        messages.success(request, _("Thanks! Staff will review your courier profile; we will notify you."))
        return redirect("couriers:apply")
    return render(request, "couriers/apply.html", {"form": form, "profile": profile})


@courier_required
def home(request):
    return render(request, "couriers/home.html", {"profile": request.user.courier_profile})
