"""The store's payout settings: the wallet its stablecoin payouts are released to."""

from django import forms
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text

from ..models import Store
from ..validators import wallet_address_normalise


class WalletAddressForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ["wallet_address"]
        labels = {"wallet_address": gettext_lazy("Wallet address")}
        help_texts = {
            "wallet_address": lazy_text(
                gettext_lazy(
                    "Your share of orders paid in the stablecoin is sent here from %(site)s's escrow. Leave it empty to stop."
                ),
                site=SITE_NAME,
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
