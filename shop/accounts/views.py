from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shop.core.redirects import safe_next_url

from .forms import ProfileForm, SignupForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "courier_profile": getattr(request.user, "courier_profile", None),
        },
    )


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, with the intent preselected from ``?intent=sell|deliver``."""

    def get_initial(self):
        initial = super().get_initial()
        intent = self.request.GET.get("intent")
        if intent in dict(SignupForm.INTENTS):
            initial["intent"] = intent
        return initial


def admin_login(request, extra_context=None):
    """The admin's login page is the shop's: one rate limit and one second-factor stage."""
    next_url = safe_next_url(request, default=reverse("admin:index"))
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
    if request.user.is_staff:
        return redirect(next_url)
    raise PermissionDenied(_("The admin is for %(site)s staff only.") % {"site": settings.SOKO_SITE_NAME})
