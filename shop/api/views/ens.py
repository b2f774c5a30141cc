"""A store's ENS name, as the store settings page takes it: whether a typed name is one the
page accepts (normalised, or the page's reason it is refused, and whether another store
shows it already), names to offer instead, and its verification by Sign-In with Ethereum
(EIP-4361): Soko issues a message for the address the name resolves to on chain, that
address signs it, and the store shows the name as verified. Without an Ethereum node
configured, or when the node does not answer, nothing can be verified: 409
``ens_unavailable``, and the name stays unverified."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sellers.ens import EnsVerificationError, ens_name_check, ens_name_suggestions
from sellers.models import Store
from sellers.selectors import store_memberships_for_user
from sellers.services import store_ens_message_issue, store_ens_verify
from shop.core.errors import NotFound

from ..problems import problem_response
from ..serializers.couriers import EnsNameQuery, EnsSignatureInput, EnsStoreInput

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
MESSAGE = inline_serializer(
    "EnsMessage",
    {
        "message": serializers.CharField(help_text="The Sign-In with Ethereum message to sign, exactly as given."),
        "address": serializers.CharField(help_text="The address the name resolves to: the one that must sign."),
        "expires_at": serializers.DateTimeField(help_text="Send the signature back before this time."),
    },
)
VERIFICATION = inline_serializer(
    "EnsVerification",
    {
        "name": serializers.CharField(),
        "verified": serializers.BooleanField(),
        "verified_at": serializers.DateTimeField(allow_null=True),
        "address": serializers.CharField(help_text="The address that signed, which the name resolves to."),
    },
)
# Refusals that say the chain or the name is not ready; the others refuse the signed message.
NOT_READY = {"ens_no_name", "ens_unavailable", "ens_not_resolved"}


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


def _refusal(error: EnsVerificationError) -> Response:
    if error.retry_after:
        return problem_response(
            status_code=429, code=error.code, detail=str(error), headers={"Retry-After": str(error.retry_after)}
        )
    return problem_response(status_code=409 if error.code in NOT_READY else 422, code=error.code, detail=str(error))


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
        """Names the settings page would take for what was typed, none another store shows
        and, with a chain configured, none registered there to someone else."""
        name, store = _query(request)
        return Response({"suggestions": ens_name_suggestions(name, store=store)})


class EnsMessage(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EnsStoreInput, responses=MESSAGE)
    def post(self, request):
        """A Sign-In with Ethereum message for the store's ENS name, to be signed by the
        address the name resolves to (EIP-191 `personal_sign`) and sent to `/ens/verify/`
        once, before it expires. 409 ``ens_no_name``, ``ens_unavailable`` (no Ethereum node
        can be asked) or ``ens_not_resolved`` (the name points to no address); 429
        ``ens_too_many`` when the store asked for too many this hour."""
        data = EnsStoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        store = _member_store(user=request.user, slug=data.validated_data["store"])
        try:
            challenge = store_ens_message_issue(
                store=store, user=request.user, domain=request.get_host(), uri=request.build_absolute_uri("/")
            )
        except EnsVerificationError as error:
            return _refusal(error)
        return Response(
            {"message": challenge.message, "address": challenge.address, "expires_at": challenge.expires_at}
        )


class EnsVerify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EnsSignatureInput, responses=VERIFICATION)
    def post(self, request):
        """Verify the store's ENS name with a signed message from `/ens/message/`, as the
        settings page's "Verify with your wallet" does. 409 as for the message; 422 when the
        signed message is refused: ``ens_message`` (not one Soko issued for this store),
        ``ens_domain``, ``ens_chain``, ``ens_expired``, ``ens_used`` (each verifies once),
        ``ens_signature`` (not signed by the address it names) or ``ens_signer`` (the name
        resolves to another address)."""
        data = EnsSignatureInput(data=request.data)
        data.is_valid(raise_exception=True)
        store = _member_store(user=request.user, slug=data.validated_data["store"])
        try:
            store = store_ens_verify(
                store=store,
                message=data.validated_data["message"],
                signature=data.validated_data["signature"],
                domain=request.get_host(),
            )
        except EnsVerificationError as error:
            return _refusal(error)
        return Response(
            {
                "name": store.ens_name,
                "verified": True,
                "verified_at": store.ens_verified_at,
                "address": store.ens_address,
            }
        )
