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
