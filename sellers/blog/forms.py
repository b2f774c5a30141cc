"""The store's blog post form; ``shop.blog.services`` sanitises the text and has the last word."""

from django import forms
from django.utils.translation import gettext_lazy

from shop.blog.services import PostInput
from shop.catalog.models import Product
from shop.media.forms import ImageUploadField


class PostForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=140, error_messages={"required": gettext_lazy("Give the post a title.")})
    excerpt = forms.CharField(
        label=gettext_lazy("Summary"), max_length=300, required=False,
        help_text=gettext_lazy("One or two sentences for lists and shared links; the start of the post when empty."),
    )
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy(
            "Plain text: leave a blank line between paragraphs. Or HTML with paragraphs (p), headings (h2, h3), bold (strong), "
            "italics (em), links (a href), lists (ul, ol, li), quotes (blockquote) and line breaks (br); anything else is removed."
        ),
        error_messages={"required": gettext_lazy("Write something in the post.")},
    )
    cover = ImageUploadField(label=gettext_lazy("Cover picture"), required=False)
    remove_cover = forms.BooleanField(label=gettext_lazy("Remove the cover picture"), required=False)
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products to show under the post"), queryset=Product.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": gettext_lazy("Choose products of this store only.")},
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        # The store's listings that are or may come back on sale (cards show only those on sale).
        gone = (Product.Status.ARCHIVED, Product.Status.REJECTED)
        self.fields["products"].queryset = Product.objects.filter(store=store).exclude(status__in=gone).order_by("title")

    def post_input(self) -> PostInput:
        data = self.cleaned_data
        return PostInput(
            title=data["title"], body=data["body"], excerpt=data["excerpt"], products=list(data["products"]),
            cover_upload=data.get("cover"), remove_cover=data["remove_cover"],
        )
