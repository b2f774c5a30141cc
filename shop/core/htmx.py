"""One way to answer a page that htmx may also ask for a part of.

A plain request gets the whole page. An htmx request gets only the fragment it swaps in,
except a **history restore**: after Back, when htmx's history cache has no copy of the page,
it asks the server with ``HX-History-Restore-Request: true`` and puts the answer in place of
the whole ``<body>``, so that request must get the whole page too. The two answers differ
for the same URL, so caches are told to key on both headers.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

VARY = ("HX-Request", "HX-History-Restore-Request")


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for a part of the page (not a history restore, which needs it all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    fragment: str,
    partial: bool | None = None,
    status: int | None = None,
) -> HttpResponse:
    """``template`` for a page load, ``fragment`` for an htmx swap.

    ``fragment`` is a partial of ``template`` (``"results"`` renders ``template#results``) or
    a template of its own (``"orders/_live.html"``). ``partial`` forces the choice (an
    endpoint that only ever serves the fragment); by default it is :func:`wants_fragment`.
    """
    if partial is None:
        partial = wants_fragment(request)
    name = template
    if partial:
        name = fragment if fragment.endswith(".html") else f"{template}#{fragment}"
    response = render(request, name, context, status=status)
    patch_vary_headers(response, VARY)
    return response
