"""A store's ENS name, as the store settings page takes it: whether a typed name is one the
page accepts (normalised, or the page's reason it is refused, and whether another store
shows it already), names to offer instead, and the check that the name's ``url`` record
points at the store's page (the check the page runs when the settings are saved). Without
an Ethereum node configured, or when the node does not answer, nothing can be checked:
409 ``ens_unavailable``, and the name stays as it was."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sellers.ens import ens_name_check, ens_name_suggestions
from sellers.models import Store
from sellers.selectors import store_memberships_for_user
from sellers.services import store_ens_check
from shop.core.errors import NotFound

from ..problems import problem_response
from ..serializers.couriers import EnsNameQuery, EnsStoreInput

NAME_CHECK = inline_serializer(
    "EnsNameCheck",
    {
        "valid": serializers.BooleanField(),
        "name": serializers.CharField(allow_null=True, help_text="The name normalised, as the store would keep it."),
        "code": serializers.ChoiceField(
            choices=["ens_invalid", "ens_suffix"], allow_null=True, help_text="Why the name is refused."
        ),
        "detail": serializers.CharField(allow_null=True, help_text="The settings page's sentence for the refusal."),
        "in_use": serializers.BooleanField(help_text="Another store's page shows this name already."),
    },
)
SUGGESTIONS = inline_serializer("EnsSuggestions", {"suggestions": serializers.ListField(child=serializers.CharField())})
VERIFICATION = inline_serializer(
    "EnsVerification",
    {
        "name": serializers.CharField(),
        "verified": serializers.BooleanField(),
        "verified_at": serializers.DateTimeField(allow_null=True),
        "record_url": serializers.URLField(help_text="Set the name's `url` text record to this address to verify it."),
    },
)


def _member_store(*, user, slug: str | None) -> Store | None:
    """The store ``slug`` names when ``user`` is on its team; NotFound otherwise."""
    if slug is None:
        return None
    for membership in store_memberships_for_user(user=user):
        if membership.store.slug == slug:
            return membership.store
    raise NotFound(_("No such store of yours."))


def _query(request) -> tuple[str, Store | None]:
    query = EnsNameQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["name"], _member_store(user=request.user, slug=query.validated_data.get("store"))


class EnsValidate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[EnsNameQuery], responses=NAME_CHECK)
    def get(self, request):
        """Whether the store settings page would take this ENS name, normalised, or why not."""
        name, store = _query(request)
        check = ens_name_check(name, store=store)
        return Response(
            {
                "valid": check.name is not None,
                "name": check.name,
                "code": check.code,
                "detail": check.reason,
                "in_use": check.in_use,
            }
        )


class EnsSuggestions(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[EnsNameQuery], responses=SUGGESTIONS)
    def get(self, request):
        """Names the settings page would take for what was typed, none another store shows."""
        name, store = _query(request)
        return Response({"suggestions": ens_name_suggestions(name, store=store)})


class EnsVerify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EnsStoreInput, responses=VERIFICATION)
    def post(self, request):
        """Check now that the store's ENS name points at its page (its ``url`` record), as
        saving the settings does. 409 ``ens_no_name`` without a name; 409
        ``ens_unavailable`` when no Ethereum node can be asked."""
        data = EnsStoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        store = _member_store(user=request.user, slug=data.validated_data["store"])
        if not store.ens_name:
            return problem_response(
                status_code=409, code="ens_no_name", detail=_("Set the store's ENS name in its settings first.")
            )
        verified = store_ens_check(store_id=store.pk)
        if verified is None:
            return problem_response(
                status_code=409,
                code="ens_unavailable",
                detail=_("ENS names cannot be checked now: the name is shown as unverified. Try again later."),
            )
        store.refresh_from_db(fields=["ens_verified_at"])
        return Response(
            {
                "name": store.ens_name,
                "verified": verified,
                "verified_at": store.ens_verified_at,
                "record_url": request.build_absolute_uri(reverse("stores:detail", args=[store.slug])),
            }
        )
