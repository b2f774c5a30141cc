from django import forms
from rest_framework import serializers

from couriers.selectors import user_is_courier
from sellers.selectors import user_is_seller
from shop.accounts.forms import ProfileForm
from shop.accounts.models import User
from shop.accounts.selectors.standing import restriction_message
from shop.geo.models import AreaKind

from .fields import Text


class ProfileSerializer(serializers.ModelSerializer):
    """The signed-in person: who they are, how Soko speaks to them, what they may do."""

    is_seller = serializers.SerializerMethodField()
    is_courier = serializers.SerializerMethodField()
    restriction = serializers.SerializerMethodField()
    # Plain strings: the profile page's form says which values are taken.
    language = serializers.CharField(read_only=True)
    display_currency = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "language",
            "time_zone",
            "display_currency",
            "is_seller",
            "is_courier",
            "restriction",
        ]
        read_only_fields = fields

    def get_is_seller(self, user) -> bool:
        return user_is_seller(user=user)

    def get_is_courier(self, user) -> bool:
        return user_is_courier(user=user)

    def get_restriction(self, user) -> str:
        """Why the account may not sell, bid, chat or check out now; empty when it may."""
        return restriction_message(user)


class ProfileChange(serializers.Serializer):
    """What a person may change about themselves: the profile page's form's fields, with its
    choices (the form checks each value again when it saves)."""

    def get_fields(self):
        fields = {}
        for name, field in ProfileForm().fields.items():
            if isinstance(field, forms.ChoiceField):
                choices = [value for value, _label in field.choices]
                fields[name] = serializers.ChoiceField(choices=choices, required=False, allow_blank="" in choices)
            else:
                fields[name] = Text(required=False, allow_blank=True, max_length=field.max_length)
        return fields


class AreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=AreaKind.choices)
    has_children = serializers.BooleanField(help_text="Places lie in it: an address names one of those instead.")
