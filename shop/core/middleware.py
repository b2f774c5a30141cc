from django.http import HttpResponseBadRequest


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
