"""The dashboard's own forms, fed from the API: what a page would post back if the seller
saved it as it shows, with the API's changes laid over it. The forms then check and save
exactly as they do for the page, so a value the page refuses is refused here in the same
words (a 409 naming the fields, as the page shows them beside each field)."""

from django import forms
from django.utils.datastructures import MultiValueDict
from rest_framework.exceptions import ValidationError


class FormRefused(ValidationError):
    """The dashboard's form (or the service behind it) refused values the API's schema
    accepts: a rule said no, so a 409 with the form's messages under ``errors``."""

    status_code = 409


def as_shown(form: forms.BaseForm) -> dict:
    """``form``'s fields as an unbound page shows them, as the page's POST would carry
    them (prefixes included; a box left unticked is left out)."""
    data = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(item) for item in value]
        elif value is True:
            data[bound.html_name] = "on"
        else:
            data[bound.html_name] = str(value)
    return data


def as_posted(data: dict) -> MultiValueDict:
    """``data`` as ``request.POST`` holds it: list values as several values of one key."""
    posted = MultiValueDict()
    for key, value in data.items():
        if isinstance(value, (list, tuple)):
            posted.setlist(key, [str(item) for item in value])
        elif value is not None:
            posted[key] = str(value)
    return posted


def refuse(*form_errors) -> None:
    """Raise ``FormRefused`` with the messages of every form given (its ``errors``, or a
    list of messages for the whole)."""
    errors: dict[str, list[str]] = {}
    for given in form_errors:
        items = given.items() if hasattr(given, "items") else [("non_field_errors", list(given))]
        for name, messages in items:
            if messages:
                key = "non_field_errors" if name == "__all__" else name
                errors.setdefault(key, []).extend(str(message) for message in messages)
    raise FormRefused(errors or {"non_field_errors": []})
