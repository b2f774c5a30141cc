from django import forms
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.media.forms import MultipleImageField

from .models import PHOTOS_MAX, TEXT_MAX, CourierPayer, ReturnMethod, ReturnReason


class ReturnRequestForm(forms.Form):
    """Reason, details and pictures; the units per line (``qty-<item id>``) are read by
    the view from the order's lines."""

    reason = forms.ChoiceField(label=gettext_lazy("Why are you returning it?"), choices=ReturnReason.choices)
    text = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("What is wrong? The store reads this.")}),
    )
    photos = MultipleImageField(
        label=gettext_lazy("Pictures"),
        required=False,
        max_count=PHOTOS_MAX,
        help_text=gettext_lazy("Up to 4 pictures of the items, e.g. of the damage."),
    )


class ApproveForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How does it come back?"),
        choices=ReturnMethod.choices,
        initial=ReturnMethod.DROP_OFF,
        widget=forms.RadioSelect,
    )
    payer = forms.ChoiceField(
        label=gettext_lazy("Who pays the courier?"),
        choices=CourierPayer.choices,
        initial=CourierPayer.SELLER,
        required=False,
        widget=forms.RadioSelect,
    )
    instructions = forms.CharField(
        label=gettext_lazy("Instructions for the buyer"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": gettext_lazy("e.g. Bring it with its box, Monday to Saturday, 9 to 5.")}
        ),
    )
    refund_delivery = forms.BooleanField(label=gettext_lazy("Also refund the delivery fee"), required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you reject it?"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=lazy_text(gettext_lazy("The buyer reads this and may ask %(site)s staff to look at it."), site=SITE_NAME),
    )


class ReceiveForm(forms.Form):
    resellable = forms.BooleanField(label=gettext_lazy("Put the items back on sale"), required=False)
    refund_delivery = forms.BooleanField(label=gettext_lazy("Also refund the delivery fee"), required=False)


class InspectForm(forms.Form):
    """The store's verdict on received goods: refund (with an optional note) or dispute
    (the note, required then, says what is wrong)."""

    note = forms.CharField(
        label=gettext_lazy("What you found"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=lazy_text(gettext_lazy("Required to dispute: the buyer and %(site)s staff read it."), site=SITE_NAME),
    )
    resellable = forms.BooleanField(label=gettext_lazy("Put the items back on sale"), required=False)
    refund_delivery = forms.BooleanField(label=gettext_lazy("Also refund the delivery fee"), required=False)


class DisputeDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("refund", gettext_lazy("Refund the buyer")), ("reject", gettext_lazy("Reject the return"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the buyer and the store"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EscalateForm(forms.Form):
    text = forms.CharField(
        label=lazy_text(gettext_lazy("Why should %(site)s staff look at it?"), site=SITE_NAME),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve the return")), ("reject", gettext_lazy("Reject the return"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the buyer and the store"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    refund_delivery = forms.BooleanField(label=gettext_lazy("Also refund the delivery fee"), required=False)
