"""A list's query string is read by the page's own form or filter set, so the API filters
exactly as the page does. What the OpenAPI document types (numbers and their ranges, true
or false, a fixed list of choices) is refused with a 400 when it does not fit; anything
else the page would ignore (a brand no listing has, a category that does not exist, a
lone latitude) is ignored here too, and said in the answer's ``notices``."""

from django import forms
from django.utils.translation import gettext as _
from django_filters import BooleanFilter, ChoiceFilter, MultipleChoiceFilter, NumberFilter
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError


def _number_schema(field: forms.Field) -> dict:
    schema = {"type": "number"}
    if getattr(field, "min_value", None) is not None:
        schema["minimum"] = float(field.min_value)
    if getattr(field, "max_value", None) is not None:
        schema["maximum"] = float(field.max_value)
    return schema


def _static_choices(choices) -> list[str] | None:
    return [str(value) for value, _label in choices if value != ""] if isinstance(choices, list) and choices else None


def filter_schemas(filterset_class) -> dict[str, dict]:
    """The typed parameters of a django-filter set (its declared filters), as JSON Schemas."""
    schemas = {}
    for name, filter_ in filterset_class.base_filters.items():
        if isinstance(filter_, NumberFilter):
            schemas[name] = _number_schema(filter_.field_class(**filter_.extra))
        elif isinstance(filter_, BooleanFilter):
            schemas[name] = {"type": "boolean"}
        elif isinstance(filter_, (ChoiceFilter, MultipleChoiceFilter)) and _static_choices(
            filter_.extra.get("choices")
        ):
            schemas[name] = {"type": "string", "enum": _static_choices(filter_.extra["choices"])}
    return schemas


def form_schemas(form_class) -> dict[str, dict]:
    """The typed fields of a Django form, as JSON Schemas."""
    schemas = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, (forms.DecimalField, forms.FloatField, forms.IntegerField)):
            schemas[name] = _number_schema(field)
        elif isinstance(field, forms.BooleanField):
            schemas[name] = {"type": "boolean"}
        elif isinstance(field, forms.MultipleChoiceField) and _static_choices(list(field.choices)):
            schemas[name] = {"type": "array", "items": {"type": "string", "enum": _static_choices(list(field.choices))}}
        elif (
            isinstance(field, forms.ChoiceField)
            and not isinstance(field, forms.ModelChoiceField)
            and _static_choices(list(field.choices))
        ):
            schemas[name] = {"type": "string", "enum": _static_choices(list(field.choices))}
    return schemas


# Text without NUL characters: the site refuses them anywhere in an address.
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}


def query_parameters(names_and_labels, typed: dict[str, dict]) -> list[OpenApiParameter]:
    parameters = []
    for name, label in names_and_labels:
        schema = typed.get(name, TEXT)
        explode = schema.get("type") == "array"
        parameters.append(OpenApiParameter(name, schema, description=str(label or ""), explode=explode))
    return parameters


def _wrong_shape(values: list[str], schema: dict) -> str:
    """Why the values sent for one typed parameter do not fit its schema ("" when they do):
    a form would read a checkbox's "yes" or a repeated value leniently, the document does not."""
    if schema.get("type") != "array" and len(values) > 1:
        return _("Send this parameter once.")
    if "" in values:
        return _("Send a value, or leave the parameter out.")
    if schema.get("type") == "boolean" and any(value not in ("true", "false") for value in values):
        return _("Send true or false.")
    return ""


def query_read(form: forms.Form, typed: dict[str, dict]) -> list[str]:
    """Check the form (a filter set's form too): a 400 for a typed value that does not fit;
    the notices for what the page would ignore."""
    form.is_valid()
    refused = {name: errors for name, errors in form.errors.items() if name in typed}
    for name, schema in typed.items():
        reason = _wrong_shape(form.data.getlist(name), schema) if name in form.data else ""
        if reason:
            refused.setdefault(name, []).append(reason)
    if refused:
        raise ValidationError(refused)
    return [
        _("%(name)s: %(errors)s It was ignored.") % {"name": name, "errors": " ".join(errors)}
        for name, errors in form.errors.items()
    ]
