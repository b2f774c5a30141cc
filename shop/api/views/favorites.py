"""A shopper's favourite listings and stores: the favourites page's list, its heart's
toggle, and whether one is a favourite. Listings and stores are named by slug, as
everywhere in the API; a listing shoppers may not see is a 404."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sellers.selectors import store_get_public, store_is_favorite
from shop.catalog.selectors.products import favorite_products, favorite_stores, product_get_visible
from shop.catalog.services.products import favorite_toggle

from ..serializers.catalog import ProductCardSerializer, StoreBriefSerializer

STATE = inline_serializer("FavoriteState", {"favorite": serializers.BooleanField()})


class FavoriteList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Favorites", {"products": ProductCardSerializer(many=True), "stores": StoreBriefSerializer(many=True)}
        )
    )
    def get(self, request):
        """The shopper's favourites, the latest first."""
        context = {"request": request}
        return Response(
            {
                "products": ProductCardSerializer(
                    favorite_products(user=request.user), many=True, context=context
                ).data,
                "stores": StoreBriefSerializer(favorite_stores(user=request.user), many=True).data,
            }
        )


class ProductFavorite(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=STATE)
    def get(self, request, slug):
        """Whether the listing is one of the shopper's favourites."""
        return Response({"favorite": bool(product_get_visible(slug=slug, user=request.user).is_favorite)})


class ProductFavoriteToggle(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=STATE)
    def post(self, request, slug):
        """The heart on a listing: a favourite now, or no longer one."""
        product = product_get_visible(slug=slug, user=request.user)
        return Response({"favorite": favorite_toggle(user=request.user, product=product)})


class StoreFavorite(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=STATE)
    def get(self, request, slug):
        """Whether the store is one of the shopper's favourites."""
        return Response({"favorite": store_is_favorite(store=store_get_public(slug=slug), user=request.user)})


class StoreFavoriteToggle(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=STATE)
    def post(self, request, slug):
        """The heart on a store: a favourite now, or no longer one."""
        return Response({"favorite": favorite_toggle(user=request.user, store=store_get_public(slug=slug))})
