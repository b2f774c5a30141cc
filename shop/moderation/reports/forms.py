from django import forms
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text

from ..models import Report


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("What is wrong?"), choices=Report.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a reason."), "invalid_choice": gettext_lazy("Choose a reason.")},
    )
    text = forms.CharField(
        label=gettext_lazy("Details (optional)"), required=False, max_length=Report._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=lazy_text(gettext_lazy("What should %(site)s's staff know? Links, order numbers, what happened."), site=SITE_NAME),
    )
