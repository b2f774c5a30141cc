"""The store's payout settings: the wallet its stablecoin payouts are released to."""

from django import forms
from django.utils.translation import gettext_lazy

from ..models import Store
from ..validators import wallet_address_normalise


class WalletAddressForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ["wallet_address"]
        labels = {"wallet_address": gettext_lazy("Wallet address")}
        help_texts = {
            "wallet_address": gettext_lazy(
                "Your share of orders paid in the stablecoin is sent here from Soko's escrow. Leave it empty to stop."
            )
        }
        widgets = {
            "wallet_address": forms.TextInput(
                attrs={"placeholder": "0x…", "autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}
            )
        }

    def clean_wallet_address(self):
        value = self.cleaned_data["wallet_address"]
        return wallet_address_normalise(value) if value.strip() else ""
