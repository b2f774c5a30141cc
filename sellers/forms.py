from django import forms
from django.utils.text import slugify

from .models import Store

RESERVED_SLUGS = {"admin", "dashboard", "new", "edit", "settings", "soko"}


class StoreSetupForm(forms.ModelForm):
    # A plain text field, so "Mama Njeri Crafts" is turned into a slug instead of refused.
    slug = forms.CharField(
        label="Store address", max_length=60, help_text="Your store's address: /s/<address>/ — e.g. mama-njeri-crafts."
    )

    class Meta:
        model = Store
        fields = ["name", "slug", "phone", "area"]
        labels = {"name": "Store name", "slug": "Store address", "area": "Area"}
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}

    def clean_slug(self):
        slug = slugify(self.cleaned_data["slug"])
        if not slug:
            raise forms.ValidationError("Use letters, numbers and dashes, e.g. mama-njeri-crafts.")
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError("That address is reserved; please choose another.")
        taken = Store.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("A store already uses that address; please choose another.")
        return slug
