"""The stores a person works for, a store's profile and delivery settings (changed through
the settings page's ``StoreSettingsForm``), and its team (invitations are the owner's,
as on the team page)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from sellers.forms import StoreInviteForm, StoreSettingsForm
from sellers.selectors import store_for_owner, store_membership_get, store_memberships_for_user, store_team
from sellers.services import store_member_invite, store_settings_save
from shop.catalog.models import Category
from shop.geo.forms import AREA_FIELD_NAMES
from shop.geo.models import Area
from shop.geo.selectors.areas import area_path

from ...pagination import Cursor
from ...serializers.selling import (
    MyStoreSerializer,
    StoreChange,
    StoreInviteRequest,
    StoreInviteSerializer,
    StoreSettingsSerializer,
    StoreTeamSerializer,
)
from .base import SellerView
from .formdata import as_posted, as_shown, refuse


class StoreList(SellerView, generics.ListAPIView):
    """The stores this person is on the team of (as owner or staff), the first joined first."""

    serializer_class = MyStoreSerializer
    pagination_class = Cursor

    def get_queryset(self):
        return store_memberships_for_user(user=self.request.user)


def _settings_answer(request, store) -> Response:
    store.refresh_from_db()
    return Response(StoreSettingsSerializer(store, context={"request": request}).data)


def _area_selects(area_id: int) -> dict:
    """The settings page's area selects, country first, set to the place ``area_id`` names
    and its ancestors (an unknown id goes to the country select, which refuses it)."""
    area = Area.objects.filter(pk=area_id).first()
    path = area_path(area=area) if area is not None else []
    if not path:
        return {AREA_FIELD_NAMES[0]: str(area_id), **dict.fromkeys(AREA_FIELD_NAMES[1:], "")}
    padded = [*path, *[None] * len(AREA_FIELD_NAMES)]
    return {name: "" if place is None else str(place.pk) for name, place in zip(AREA_FIELD_NAMES, padded, strict=False)}


class StoreDetail(SellerView):
    @extend_schema(responses=StoreSettingsSerializer)
    def get(self, request, slug: str):
        """The store's profile and delivery settings, as its settings page shows them."""
        return _settings_answer(request, store_membership_get(user=request.user, slug=slug).store)

    @extend_schema(request=StoreChange, responses=StoreSettingsSerializer)
    def patch(self, request, slug: str):
        """Change the store's profile or delivery settings: the settings page's form checks
        and saves them (a web address taken, a phone number it cannot read: a 409 with
        its words)."""
        store = store_membership_get(user=request.user, slug=slug).store
        change = StoreChange(data=request.data)
        change.is_valid(raise_exception=True)
        changes = dict(change.validated_data)
        if "categories" in changes:
            wanted = changes["categories"]
            known = dict(Category.objects.filter(slug__in=wanted).values_list("slug", "pk"))
            # An unknown slug goes to the form as it is: the form refuses it in its words.
            changes["categories"] = [known.get(slug, slug) for slug in wanted]
        if "area" in changes:
            changes.update(_area_selects(changes.pop("area")))
        for name in ("latitude", "longitude"):
            if name in changes and changes[name] is None:
                changes[name] = ""
        data = as_shown(StoreSettingsForm(instance=store))
        for name, value in changes.items():
            if value is False:
                data.pop(name, None)
            else:
                data[name] = "on" if value is True else value
        form = StoreSettingsForm(as_posted(data), instance=store)
        if not form.is_valid():
            refuse(form.errors)
        store_settings_save(store=form.instance, categories=form.cleaned_data["categories"])
        return _settings_answer(request, form.instance)


class Team(SellerView):
    @extend_schema(responses=StoreTeamSerializer)
    def get(self, request, slug: str):
        """The store's team and its pending invitations, as the team page lists them."""
        store = store_membership_get(user=request.user, slug=slug).store
        return Response(StoreTeamSerializer(store_team(store=store)).data)


class TeamInvite(SellerView):
    @extend_schema(request=StoreInviteRequest, responses={201: StoreInviteSerializer})
    def post(self, request, slug: str):
        """Invite someone to the team by e-mail (the owner only: staff are refused with a
        403, as on the team page). They join once they accept the e-mailed link."""
        store = store_for_owner(membership=store_membership_get(user=request.user, slug=slug))
        asked = StoreInviteRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        form = StoreInviteForm(as_posted(asked.validated_data))
        if not form.is_valid():
            refuse(form.errors)
        invite = store_member_invite(store=store, actor=request.user, email=form.cleaned_data["email"])
        return Response(StoreInviteSerializer(invite).data, status=201)
