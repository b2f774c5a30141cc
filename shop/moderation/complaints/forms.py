from django import forms
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.media.forms import MultipleImageField

from ..models import PHOTOS_MAX, Complaint
from .selectors import KINDS
from .services import TEXT_MAX

C = Complaint


def _photos():
    return MultipleImageField(
        label=gettext_lazy("Pictures"),
        required=False,
        max_count=PHOTOS_MAX,
        help_text=gettext_lazy("Up to 4 pictures, e.g. of the item or of a message."),
    )


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What went wrong?"), choices=(), widget=forms.RadioSelect)
    text = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": gettext_lazy("Dates, what you expected, what you got.")}
        ),
        help_text=lazy_text(gettext_lazy("The other party and %(site)s staff read this."), site=SITE_NAME),
    )
    photos = _photos()

    def __init__(self, *args, side: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in KINDS[side]]


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your message"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = _photos()


class StaffReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message to both parties"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    ask = forms.ChoiceField(
        label=gettext_lazy("Ask for an answer"),
        required=False,
        choices=[
            ("", gettext_lazy("Nobody: just a message")),
            (C.Side.BUYER, gettext_lazy("The buyer")),
            (C.Side.STORE, gettext_lazy("The store")),
        ],
        help_text=gettext_lazy(
            "The party asked has a few days to answer; they are reminded once, then it comes back to you."
        ),
    )
    photos = _photos()


class ResolveForm(forms.Form):
    """Resolution and note; for a refund, the units per line (``qty-<item id>``) are read
    by the view from the order's lines."""

    resolution = forms.ChoiceField(
        label=gettext_lazy("Resolution"), choices=C.Resolution.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Outcome, as both parties will read it"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    delivery = forms.BooleanField(label=gettext_lazy("Also refund the delivery fee"), required=False)
    suspend_days = forms.IntegerField(
        label=gettext_lazy("Suspension (days)"), min_value=1, max_value=365, initial=7, required=False
    )
