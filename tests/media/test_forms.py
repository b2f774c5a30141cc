import pytest
from django import forms
from django.utils.datastructures import MultiValueDict

from shop.media.forms import ImageUploadField, MultipleImageField
from shop.media.services.images import image_store
from shop.media.services.validation import ValidatedImage

from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db


class LogoForm(forms.Form):
    logo = ImageUploadField()


class ListingPhotosForm(forms.Form):
    photos = MultipleImageField(max_count=3)


def test_store_logo_form_hands_over_a_validated_picture_that_stores_without_a_second_check():
    form = LogoForm(files={"logo": upload("logo.png", picture_bytes("PNG", size=(120, 120)), "image/png")})

    assert form.is_valid(), form.errors
    assert isinstance(form.cleaned_data["logo"], ValidatedImage)
    assert image_store(upload=form.cleaned_data["logo"]).format == "PNG"


def test_store_logo_form_explains_a_renamed_text_file():
    form = LogoForm(files={"logo": upload("logo.png", b"just some text", "image/png")})

    assert not form.is_valid()
    assert form.errors["logo"] == ["logo.png is not a JPEG, PNG, WebP or GIF picture, whatever its name says."]


def test_listing_form_accepts_several_photos_in_one_input():
    files = MultiValueDict({"photos": [upload(f"{n}.jpg", picture_bytes(size=(100 + n, 80))) for n in range(3)]})
    form = ListingPhotosForm(files=files)

    assert form.is_valid(), form.errors
    assert [photo.width for photo in form.cleaned_data["photos"]] == [100, 101, 102]
    widget = str(form["photos"])
    assert "multiple" in widget and 'accept="image/jpeg,image/png,image/webp,image/gif"' in widget


def test_listing_form_names_every_bad_photo_not_just_the_first():
    files = MultiValueDict(
        {"photos": [upload("good.jpg", picture_bytes()), upload("notes.jpg", b"text"), upload("cv.png", b"more text")]}
    )
    form = ListingPhotosForm(files=files)

    assert not form.is_valid()
    assert [message.split(" ")[0] for message in form.errors["photos"]] == ["notes.jpg", "cv.png"]


def test_listing_form_refuses_more_photos_than_allowed():
    files = MultiValueDict({"photos": [upload(f"{n}.jpg", picture_bytes()) for n in range(4)]})
    form = ListingPhotosForm(files=files)

    assert not form.is_valid()
    assert form.errors["photos"] == ["You can add at most 3 pictures here; you chose 4."]


def test_listing_form_requires_at_least_one_photo():
    form = ListingPhotosForm(files=MultiValueDict())

    assert not form.is_valid()
    assert form.errors["photos"] == ["This field is required."]
