from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.selectors.money import money_format
from shop.geo.selectors.delivery import HomeDelivery

from .models import Order
from .selectors.checkout import NEW_ADDRESS, chosen_address_key, delivery_fee, delivery_field_name


class CheckoutForm(forms.Form):
    # Why placing refused (``CheckoutError.problems``), shown above the form.
    placement_problems: tuple | list = ()
    placement_code: str = ""  # and ``CheckoutError.code``, the same an app is told

    # A fresh key per rendering of the page: submitting the same page twice is one checkout.
    idempotency_key = forms.UUIDField(label=gettext_lazy("Idempotency key"), widget=forms.HiddenInput)
    address = forms.ChoiceField(
        label=gettext_lazy("Deliver to"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose an address or add a new one.")},
    )
    instructions = forms.CharField(
        label=gettext_lazy("Delivery instructions"),
        required=False,
        max_length=300,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": gettext_lazy("e.g. Call when you reach the gate; leave with the guard.")}
        ),
    )
    promo_code = forms.CharField(
        label=gettext_lazy("Promo code"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    use_points = forms.BooleanField(label=gettext_lazy("Use my points"), required=False)
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how you will pay.")},
    )

    def __init__(self, *args, addresses, groups, gateways, homes: dict[int, HomeDelivery], dropoff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = {str(address.pk): address for address in addresses}
        self.groups = groups
        self.fields["address"].choices = [(pk, address.title) for pk, address in self.addresses.items()] + [
            (NEW_ADDRESS, _("A new address"))
        ]
        self.fields["address"].initial = chosen_address_key(None, addresses)
        self.gateways = {gateway.code: gateway for gateway in gateways}
        self.fields["payment_method"].choices = [(gateway.code, gateway.label) for gateway in gateways]
        if gateways:
            self.fields["payment_method"].initial = gateways[0].code
        if self.initial.get("payment_method") not in self.gateways:  # kept across a re-read while offered
            self.initial.pop("payment_method", None)
        for group in groups:
            choices = []
            home = homes[group.store.pk]
            if home.offered:
                fee = delivery_fee(store=group.store, mode=Order.DeliveryMode.DELIVERY, dropoff=dropoff)
                label = _("Home delivery · %(fee)s") % {"fee": money_format(fee)} if fee else _("Home delivery · free")
                choices.append((Order.DeliveryMode.DELIVERY, label))
            choices.append((Order.DeliveryMode.PICKUP, _("Pick-up at the store · free")))
            self.fields[delivery_field_name(group.store)] = forms.ChoiceField(
                label=_("Delivery from %(name)s") % {"name": group.store.name},
                choices=choices,
                initial=choices[0][0],
                widget=forms.RadioSelect,
                # A home delivery the store does not offer here (a stale page, a forged form): say why.
                error_messages={"invalid_choice": home.reason or _("Choose how to get this order.")},
            )

    @property
    def wants_new_address(self) -> bool:
        return str(self["address"].value()) == NEW_ADDRESS

    def address_choices(self):
        """(radio, Address or None) for the template; None is "a new address"."""
        return [(radio, self.addresses.get(str(radio.data["value"]))) for radio in self["address"]]

    def payment_choices(self):
        """(radio, Gateway) for the template."""
        return [(radio, self.gateways[radio.data["value"]]) for radio in self["payment_method"]]

    def delivery_field(self, store) -> forms.BoundField:
        return self[delivery_field_name(store)]

    def chosen_address(self):
        return self.addresses.get(self.cleaned_data["address"])

    def delivery_modes(self) -> dict[int, str]:
        return {group.store.pk: self.cleaned_data[delivery_field_name(group.store)] for group in self.groups}

    def gateway(self):
        return self.gateways[self.cleaned_data["payment_method"]]
