"""The shopper's address book, through the address page's own form (``AddressForm``), so
an address the page refuses is refused here in the same words; and where the shopper is,
which Soko keeps as the pin on an address (the address page's "Use my location").

A value the form refuses beyond what the document declares (a district chosen where the
area has neighbourhoods, a latitude without its longitude) is a 409 ``address_refused``
with the form's words under ``errors``. Someone else's address is a 404."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.accounts.addresses.forms import AddressForm
from shop.accounts.addresses.selectors import address_get_for_user, addresses_for_user
from shop.accounts.addresses.services import address_delete, address_save
from shop.accounts.models import Address
from shop.core.errors import NotFound
from shop.geo.forms import AREA_LEVELS
from shop.geo.models import Area
from shop.geo.selectors.areas import area_path

from ..problems import problem_response
from ..serializers.buying import AddressChange, AddressSerializer, LocationChange


def _form_data(address: Address, change: dict) -> dict:
    """The address page's form fields: the address as it is, with ``change`` over it."""
    area = address.area if address.area_id else None
    if "area" in change:
        area = Area.objects.filter(pk=change["area"]).first()
        if area is None:
            raise NotFound(_("No such area."))
    data = {
        name: change.get(name, getattr(address, name))
        for name in ("label", "recipient", "phone", "street", "latitude", "longitude")
    }
    data = {name: "" if value is None else str(value) for name, value in data.items()}
    by_kind = {place.kind: place.pk for place in area_path(area=area)}
    for name, kind, _label in AREA_LEVELS:
        data[name] = str(by_kind.get(kind, ""))
    if change.get("make_default"):
        data["make_default"] = "on"
    return data


def address_write(*, address: Address, change: dict) -> Address | Response:
    """Save ``change`` to ``address`` through the page's form: the saved address, or the
    form's refusal as a problem."""
    form = AddressForm(_form_data(address, change), instance=address)
    if not form.is_valid():
        return problem_response(
            status_code=status.HTTP_409_CONFLICT,
            code="address_refused",
            detail=_("The address was refused: see errors."),
            errors={field: list(messages) for field, messages in form.errors.items()},
        )
    return address_save(address=form.instance, make_default=form.cleaned_data.get("make_default", False))


def _answer(result, status_code: int = status.HTTP_200_OK) -> Response:
    if isinstance(result, Response):
        return result
    return Response(AddressSerializer(result).data, status=status_code)


class AddressList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AddressSerializer(many=True))
    def get(self, request):
        """The address book, the default address first."""
        return Response(AddressSerializer(addresses_for_user(user=request.user), many=True).data)

    @extend_schema(request=AddressChange, responses={201: AddressSerializer})
    def post(self, request):
        """A new address (the first one becomes the default)."""
        change = AddressChange(data=request.data)
        change.is_valid(raise_exception=True)
        result = address_write(address=Address(user=request.user), change=change.validated_data)
        return _answer(result, status.HTTP_201_CREATED)


class AddressDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AddressSerializer)
    def get(self, request, pk: int):
        return Response(AddressSerializer(address_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=AddressChange(partial=True), responses=AddressSerializer)
    def patch(self, request, pk: int):
        """Change some of the address's fields; ``make_default`` makes it the default."""
        address = address_get_for_user(user=request.user, pk=pk)
        change = AddressChange(data=request.data, partial=True)
        change.is_valid(raise_exception=True)
        return _answer(address_write(address=address, change=change.validated_data))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        """Delete it; when it was the default, the newest remaining address takes over."""
        address_delete(address=address_get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class Location(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LocationChange, responses=AddressSerializer)
    def put(self, request):
        """Where the shopper is now: the pin on their default address (or on ``address``),
        as the address page's "Use my location" sets it. Delivery fees worked out by the
        distance, and couriers, go by this pin."""
        change = LocationChange(data=request.data)
        change.is_valid(raise_exception=True)
        if "address" in change.validated_data:
            address = address_get_for_user(user=request.user, pk=change.validated_data["address"])
        else:
            address = addresses_for_user(user=request.user).filter(is_default=True).first()
        if address is None:
            return problem_response(
                status_code=status.HTTP_409_CONFLICT,
                code="no_address",
                detail=_("Add an address first: your location is kept as the pin on your address."),
            )
        pin = {"latitude": change.validated_data["latitude"], "longitude": change.validated_data["longitude"]}
        return _answer(address_write(address=address, change=pin))
