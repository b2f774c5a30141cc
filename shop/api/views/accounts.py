"""The signed-in person's own account. Changes go through the profile page's form, so a
value the page refuses is refused here in the same words."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.accounts.forms import ProfileForm
from shop.geo.selectors.areas import area_children

from ..serializers.accounts import AreaSerializer, ProfileChange, ProfileSerializer


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=ProfileChange, responses=ProfileSerializer)
    def patch(self, request):
        change = ProfileChange(data=request.data, partial=True)
        change.is_valid(raise_exception=True)
        current = {name: getattr(request.user, name) for name in ProfileForm.Meta.fields}
        form = ProfileForm({**current, **change.validated_data}, instance=request.user)
        if not form.is_valid():
            raise ValidationError(form.errors)
        form.save()
        return Response(ProfileSerializer(request.user, context={"request": request}).data)


class AreaList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "parent",
                {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                description="An area's id: the places in it. Left out: the countries.",
            )
        ],
        responses=AreaSerializer(many=True),
    )
    def get(self, request):
        """Places, a level at a time, for an address: countries, then their regions,
        districts and neighbourhoods. An address names a place with no places in it."""
        values = request.query_params.getlist("parent")
        if len(values) > 1 or (values and not (values[0].isascii() and values[0].isdigit() and 0 < int(values[0]) < 2**31)):
            raise ValidationError({"parent": [_("Send one area id.")]})
        areas = area_children(parent=int(values[0]) if values else None)
        return Response(AreaSerializer(areas, many=True).data)
