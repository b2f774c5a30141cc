"""Domain errors shared by every app."""


class NotFound(Exception):
    """A selector or service found nothing this person may see: no such object, or someone
    else's (which must look the same). Views answer it with a 404 page
    (``shop.core.middleware.NotFoundMiddleware``); services never raise ``Http404``."""
