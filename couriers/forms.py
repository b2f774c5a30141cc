from django import forms
from django.utils.translation import gettext_lazy

from shop.geo.models import Area, AreaKind

from .models import CourierProfile


class CourierProfileForm(forms.ModelForm):
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Service areas"),
        queryset=Area.objects.filter(kind__in=[AreaKind.REGION, AreaKind.DISTRICT]).select_related("parent__parent"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=gettext_lazy(
            "The job board shows jobs picked up in these areas. Hold Ctrl (or tap) to pick several."
        ),
    )

    class Meta:
        model = CourierProfile
        fields = ["phone", "vehicle", "areas", "service_area", "share_location"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = CourierProfile
        fields = ["availability"]
