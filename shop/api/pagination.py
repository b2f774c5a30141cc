"""Lists page by an opaque cursor: ``next`` is the whole URL of the following page, or
null on the last. The cursor holds where the next page starts in the list's own order
(a search ranks by relevance or distance, so the position is the one thing every order
has); a client only ever follows it. Lists stop at ``MAX_ITEMS``: a longer walk is a
narrower search."""

import base64
import binascii

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_ITEMS = 10_000


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        position = int(text[1:]) if text.startswith("p") and text[1:].isascii() and text[1:].isdigit() else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = -1
    if not 0 <= position < MAX_ITEMS:
        raise ValidationError({"cursor": [_("This cursor is not one the API gave.")]}, code="invalid_cursor")
    return position


class Cursor(BasePagination):
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        cursor = request.query_params.get(self.cursor_query_param)
        start = _decode(cursor) if cursor else 0
        end = min(start + settings.SOKO_CATALOG_PAGE_SIZE, MAX_ITEMS)
        rows = list(queryset[start : end + 1])
        self.next_url = None
        if len(rows) > end - start and end < MAX_ITEMS:
            self.next_url = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, _encode(end))
        return rows[: end - start]

    def get_paginated_response(self, data):
        return Response({"next": self.next_url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {"next": {"type": ["string", "null"], "format": "uri"}, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "The `next` link of the page before.",
                "schema": {"type": "string"},
            }
        ]
