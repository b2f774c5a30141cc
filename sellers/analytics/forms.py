from django import forms
from django.utils.translation import gettext_lazy


class AnalyticsPeriodForm(forms.Form):
    """The analytics page's period and grouping, read from the query string; anything
    missing or unknown falls back to the last 30 days by day."""

    days = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        coerce=int,
        choices=[(7, gettext_lazy("Last 7 days")), (30, gettext_lazy("Last 30 days")), (90, gettext_lazy("Last 90 days"))],
        initial=30,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Grouped"),
        choices=[("day", gettext_lazy("By day")), ("week", gettext_lazy("By week")), ("month", gettext_lazy("By month (30 days)"))],
        initial="day",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, data=None):
        data = data if data is not None else {}
        super().__init__({name: data.get(name, field.initial) for name, field in self.base_fields.items()})

    def choice(self) -> tuple[int, str]:
        """(days, grouping) asked for, each valid one kept."""
        self.is_valid()
        days = self.cleaned_data.get("days") or self.fields["days"].initial
        group = self.cleaned_data.get("group") or self.fields["group"].initial
        return days, group
