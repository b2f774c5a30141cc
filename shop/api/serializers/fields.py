from django.core.validators import RegexValidator
from rest_framework import serializers

NO_NUL = "^[^\\u0000]*$"


class Text(serializers.CharField):
    """A JSON string, and only a string: a number is not quietly read as text. NUL
    characters are refused (DRF's rule), which the document says with a pattern."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(NO_NUL))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Moment(serializers.DateTimeField):
    """A time in ISO 8601 with its zone. An empty string is no time; a string DRF cannot
    read goes on to the page's form, which refuses it in its words (a 409)."""

    def to_internal_value(self, value):
        if value == "":
            return None
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            if isinstance(value, str):
                return value
            raise
