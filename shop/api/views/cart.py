"""The signed-in shopper's cart, as the cart page shows and changes it: lines grouped by
store, each flagged when it cannot be bought as the shopper saw it (sold out, short, its
price changed), through the cart's own services (``cart_add``, ``cart_set_quantity``,
``cart_remove``). Asking for more than is in stock puts what there is in the cart and
says so (``capped``); a line that cannot be bought at all is a 409 with the line's code
(``out_of_stock``, ``unavailable``, ``auction_only``). Someone else's line is a 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.cart.selectors.summary import cart_item_get_for_cart, cart_summary, variant_get_for_cart
from shop.cart.services import CartChange, cart_add, cart_get_for_request, cart_remove, cart_set_quantity

from ..serializers.buying import CartChangeSerializer, CartLineAdd, CartLineChange, CartSerializer


def _changed(request, change: CartChange, status_code: int = status.HTTP_200_OK) -> Response:
    summary = cart_summary(cart=cart_get_for_request(request))
    body = {"message": change.message, "capped": change.capped, "cart": CartSerializer(summary).data}
    return Response(body, status=status_code)


class CartDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CartSerializer)
    def get(self, request):
        """The cart: lines by store (in the order they were added), totals per currency,
        and what stops the checkout."""
        return Response(CartSerializer(cart_summary(cart=cart_get_for_request(request))).data)


class CartLines(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CartLineAdd, responses={201: CartChangeSerializer})
    def post(self, request):
        """Add a variant (to its line, when the cart has one), capped by the stock on hand."""
        asked = CartLineAdd(data=request.data)
        asked.is_valid(raise_exception=True)
        variant = variant_get_for_cart(variant_id=asked.validated_data["variant"])
        cart = cart_get_for_request(request, create=True)
        change = cart_add(cart=cart, variant=variant, quantity=asked.validated_data["quantity"])
        return _changed(request, change, status.HTTP_201_CREATED)


class CartLine(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CartLineChange, responses=CartChangeSerializer)
    def patch(self, request, pk: int):
        """Set the line's quantity (0 removes it), capped by the stock on hand."""
        cart = cart_get_for_request(request)
        item = cart_item_get_for_cart(cart=cart, item_id=pk)
        asked = CartLineChange(data=request.data)
        asked.is_valid(raise_exception=True)
        if "quantity" not in asked.validated_data:
            return _changed(request, CartChange(item=item, message=""))
        return _changed(request, cart_set_quantity(cart=cart, item=item, quantity=asked.validated_data["quantity"]))

    @extend_schema(request=None, responses={200: CartChangeSerializer})
    def delete(self, request, pk: int):
        """Take the line out of the cart."""
        cart = cart_get_for_request(request)
        return _changed(request, cart_remove(cart=cart, item=cart_item_get_for_cart(cart=cart, item_id=pk)))
