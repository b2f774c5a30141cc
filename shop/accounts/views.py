from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .forms import ProfileForm, SignupForm


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
