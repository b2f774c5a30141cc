from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from shop.core.selectors.currencies import STORE_CURRENCIES, currency_choices
from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.core.validators import time_zone_names

from .models import User


class SignupForm(AllauthSignupForm):
    INTENTS = [
        ("shop", gettext_lazy("Shop — buy from stores near you")),
        ("sell", lazy_text(gettext_lazy("Sell — open a store on %(site)s"), site=SITE_NAME)),
        ("deliver", gettext_lazy("Deliver — earn as a courier")),
    ]

    display_name = forms.CharField(label=gettext_lazy("Your name"), max_length=80, required=False)
    intent = forms.ChoiceField(
        label=lazy_text(gettext_lazy("What brings you to %(site)s?"), site=SITE_NAME),
        choices=INTENTS,
        initial="shop",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Ask what brings them first; the rest follows allauth's order.
        self.order_fields(["intent", "display_name", "email"])

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data.get("display_name", "")
        # Reports from accounts made at one address count as one (shop.moderation).
        user.signup_ip = get_adapter(request).get_client_ip(request)
        user.save(update_fields=["display_name", "signup_ip"])
        # Read by the adapter to continue into store set-up or the courier profile.
        request.session["signup_intent"] = self.cleaned_data["intent"]
        return user


class ProfileForm(forms.ModelForm):
    """The name others see, and how Soko speaks and shows times and prices to this person."""

    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    class Meta:
        model = User
        fields = ["display_name", "language", "time_zone", "display_currency"]
        labels = {
            "display_name": gettext_lazy("Your name"),
            "language": gettext_lazy("Language"),
            "display_currency": gettext_lazy("Also show prices in"),
        }
        help_texts = {
            "language": gettext_lazy("Pages, emails and notifications use it."),
            "display_currency": gettext_lazy("An approximate amount next to prices in other currencies; you always pay in the store's."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", gettext_lazy("As my browser says")), *settings.LANGUAGES]
        self.fields["display_currency"].choices = [("", gettext_lazy("Each price in its own currency only")), *currency_choices(STORE_CURRENCIES)]
        self.fields["time_zone"].choices = [("", gettext_lazy("As my browser says")), *((name, name) for name in sorted(time_zone_names()))]
