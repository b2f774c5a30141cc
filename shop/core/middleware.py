from django.http import Http404, HttpResponseBadRequest

from .errors import NotFound


def reject_nul_characters(get_response):
    """Refuse NUL characters in the path, query string or form fields with a 400: no page
    wants them, and PostgreSQL cannot store or compare them (it would be a 500)."""

    def middleware(request):
        values = [request.path, *request.GET.values()]
        if request.method == "POST" and request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            values.extend(request.POST.values())
        if any("\x00" in value for value in values):
            return HttpResponseBadRequest("Bad request: the address or form contains a NUL character.")
        return get_response(request)

    return middleware


class NotFoundMiddleware:
    """Translate a selector's ``NotFound`` into Django's 404 page for any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        return None
