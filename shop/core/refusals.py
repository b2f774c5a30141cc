"""A refused form loses nothing: the page (for htmx, the part it swaps) comes back with the
form as it was posted and why it was refused, never a redirect that leaves it empty.

A page built of Django forms binds them to the POST and adds the reason to the form
(``form.add_error(None, reason)``). A page whose small forms are written in its templates
gets a :class:`Refused` in its context, and the form it names reads what was posted back
(``{% if refused.form == "cancel" %}{{ refused.posted.reason }}{% endif %}``) beside
``_refused.html`` (the reason, which takes the focus).

A redirect with a message stays right for a form with nothing typed (a button)."""

from dataclasses import dataclass

from django.http import HttpRequest, QueryDict

# htmx swaps it (base.html's responseHandling); to a browser it is the page like any other.
REFUSED_STATUS = 422


@dataclass(frozen=True)
class Refused:
    """The form of a page that was refused: its name on the page, why, and what was posted."""

    form: str
    reason: str
    posted: QueryDict


def refused(request: HttpRequest, form: str, reason) -> Refused:
    return Refused(form=form, reason=str(reason), posted=request.POST)
