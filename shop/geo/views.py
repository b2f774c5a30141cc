from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shop.core.ids import id_or_none

from .forms import AREA_FIELD_NAMES
from .selectors.areas import area_choices

# Which selects lie below each area select: the next is filled, the others emptied.
SELECTS_BELOW = {name: list(AREA_FIELD_NAMES[position + 1 :]) for position, name in enumerate(AREA_FIELD_NAMES[:-1])}


@login_required
@require_GET
def area_options(request):
    """``<option>``s for the select below the one just changed (htmx), with the selects
    further down emptied out of band: ``?country=<id>`` gives its regions and empties the
    district and neighbourhood selects. ``?parent=<id>`` gives the children only.

    The store settings and the address book each route to this under their own URL name."""
    name = next((name for name in SELECTS_BELOW if name in request.GET), "parent")
    parent_id = id_or_none(request.GET.get(name))
    choices = area_choices(parent=parent_id) if parent_id else []
    cleared = SELECTS_BELOW.get(name, [])[1:]
    return render(request, "geo/_area_options.html", {"choices": choices, "cleared": cleared})
