from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from .models import User


class SignupForm(AllauthSignupForm):
    INTENTS = [
        ("shop", "Shop — buy from stores near you"),
        ("sell", "Sell — open a store on Soko"),
        ("deliver", "Deliver — earn as a courier"),
    ]

    display_name = forms.CharField(label="Your name", max_length=80, required=False)
    intent = forms.ChoiceField(
        label="What brings you to Soko?", choices=INTENTS, initial="shop", widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Ask what brings them first; the rest follows allauth's order.
        self.order_fields(["intent", "display_name", "email"])

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data.get("display_name", "")
        user.save(update_fields=["display_name"])
        # Read by the adapter to continue into store set-up or the courier profile.
        request.session["signup_intent"] = self.cleaned_data["intent"]
        return user


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        labels = {"display_name": "Your name"}
