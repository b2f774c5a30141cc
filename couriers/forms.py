from django import forms

from .models import CourierProfile


class CourierProfileForm(forms.ModelForm):
    class Meta:
        model = CourierProfile
        fields = ["phone", "vehicle", "service_area"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}
