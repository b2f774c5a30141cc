"""What drf-spectacular needs to describe the API as it answers: the bearer access token,
and the problem document (``problems.py``) every operation may answer with."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable: what was refused, for programs to branch on."},
        "problems": {
            "type": "array",
            "items": {"type": "string"},
            "description": "With a refused checkout: each reason, item by item.",
        },
        "errors": {
            "type": "object",
            "description": "With code `invalid`: the messages for each field that was refused.",
            "additionalProperties": {},
        },
    },
}
# The refusals any operation may give, beyond what its view declares.
COMMON = {
    "400": "The request was refused: `errors` says which values and why.",
    "401": "No valid access token (or session) was sent.",
    "403": "This account may not do this (`code` says why).",
    "404": "No such thing, or not one this account may see.",
    "406": "The API answers JSON only.",
    "409": "A rule refused it as things stand (`code` says which; `detail` says it in words), or the Idempotency-Key was used for another request.",
    "415": "Requests send JSON.",
    "429": "Too many requests: wait for the seconds in `Retry-After`.",
}
SAFE = ("get", "head", "options")


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "shop.api.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The access_token from signing in (POST /api/v1/auth/login) or refreshing (POST /api/v1/tokens/refresh).",
        }


def problems_everywhere(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the Problem schema, and each common refusal on
    every operation that does not say otherwise."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON.items():
                if status in ("409", "415") and method in SAFE:
                    continue
                responses.setdefault(status, {"description": description, "content": problem})
            if method in SAFE and "200" in responses:
                responses.setdefault(
                    "304", {"description": "Not modified: the ETag sent in If-None-Match still holds."}
                )
    return result
