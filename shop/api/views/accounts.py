"""The signed-in person's own account. Changes go through the profile page's form, so a
value the page refuses is refused here in the same words."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.accounts.forms import ProfileForm

from ..serializers.accounts import ProfileChange, ProfileSerializer


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
