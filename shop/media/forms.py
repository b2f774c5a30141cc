"""Form fields that accept pictures only after ``image_validate`` passed.

``cleaned_data`` holds ``ValidatedImage`` objects; hand them to ``image_store(upload=…)``,
which then does not validate a second time.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from .services.validation import ACCEPT, ValidatedImage, image_validate


class ImageUploadField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or isinstance(upload, ValidatedImage) or upload is initial:
            return upload
        return image_validate(upload=upload)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(ImageUploadField):
    """Several pictures in one input (Django's documented multiple-upload pattern).

    ``max_count`` defaults to ``SOKO_IMAGE_MAX_COUNT``; a form editing a product that
    already has pictures lowers it to the number still free.
    """

    def __init__(self, *, max_count: int | None = None, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)
        self.max_count = settings.SOKO_IMAGE_MAX_COUNT if max_count is None else max_count

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, (list, tuple)) else [data]) if upload]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_count:
            raise ValidationError(
                ngettext("You can add at most %(max_count)s picture here; you chose %(len)s.", "You can add at most %(max_count)s pictures here; you chose %(len)s.", self.max_count) % {"max_count": self.max_count, "len": len(uploads)},
                code="too_many_files",
            )
        images, errors = [], []
        for upload in uploads:
            try:
                images.append(super().clean(upload, initial))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return images
