"""Lists page by a cursor: ``next`` is the whole URL of the following page, or null on the
last; a client follows it as it is. The cursor holds where the next page starts in the
list's own order (a search ranks by relevance or distance, so the position is the one
thing every order has). Lists stop at ``MAX_ITEMS``: a longer walk is a narrower search.
Beside the page, ``notices`` says what of the query was ignored, in words."""

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_ITEMS = 10_000
CURSOR = re.compile(r"p([0-9]{1,4})")  # MAX_ITEMS positions: p0 to p9999


def _position(cursor: str) -> int:
    match = CURSOR.fullmatch(cursor)
    if match is None:
        raise ValidationError({"cursor": [_("This cursor is not one the API gave.")]})
    return int(match[1])


class Cursor(BasePagination):
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.notices = list(getattr(view, "notices", []))
        cursors = request.query_params.getlist(self.cursor_query_param)
        if len(cursors) > 1:
            raise ValidationError({"cursor": [_("Send one cursor.")]})
        start = _position(cursors[0]) if cursors else 0
        end = min(start + settings.SOKO_CATALOG_PAGE_SIZE, MAX_ITEMS)
        rows = list(queryset[start : end + 1])
        self.next_url = None
        if len(rows) > end - start and end < MAX_ITEMS:
            self.next_url = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, f"p{end}")
        return rows[: end - start]

    def get_paginated_response(self, data):
        return Response({"next": self.next_url, "results": data, "notices": self.notices})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results", "notices"],
            "properties": {
                "next": {"type": ["string", "null"], "format": "uri"},
                "results": schema,
                "notices": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "What of the query was ignored, and why.",
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "From the `next` link of the page before.",
                "schema": {"type": "string", "pattern": f"^{CURSOR.pattern}$"},
            }
        ]
