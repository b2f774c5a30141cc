from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.orders.selectors.orders import STATUS_TABS

EARLIEST = date(2000, 1, 1)
MAX_DAYS = 366
DEFAULT_DAYS = 30


def _day(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class OrdersExportForm(forms.Form):
    """Which of the store's orders to download: the days they were placed on, in the
    store's time zone, at most a year at a time, and a status."""

    first_day = _day(gettext_lazy("From"))
    last_day = _day(gettext_lazy("To"))
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_TABS, required=False)

    def __init__(self, *args, store, **kwargs):
        self.zone = ZoneInfo(store.time_zone)
        today = timezone.now().astimezone(self.zone).date()
        kwargs.setdefault("initial", {"first_day": today - timedelta(days=DEFAULT_DAYS - 1), "last_day": today})
        super().__init__(*args, **kwargs)

    def clean_first_day(self):
        first = self.cleaned_data["first_day"]
        if first < EARLIEST:
            raise forms.ValidationError(_("Choose a day from %(day)s on.") % {"day": EARLIEST.isoformat()})
        return first

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", _("The last day comes before the first."))
            elif (last - first).days >= MAX_DAYS:
                self.add_error("last_day", _("Choose at most %(days)s days at a time.") % {"days": MAX_DAYS})
        return cleaned

    def bounds(self) -> tuple[datetime, datetime]:
        """From the start of the first day to the end of the last, in the store's zone."""
        first, last = self.cleaned_data["first_day"], self.cleaned_data["last_day"]
        return (
            datetime.combine(first, time.min, tzinfo=self.zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=self.zone),
        )
