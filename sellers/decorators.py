"""The seller dashboard's gate: who may open a dashboard page (``seller_required``), which
store it works on (``current_store``), and what every dashboard page's header reads
(``dashboard_context``). Every dashboard view, in sellers and in the apps whose seller-side
pages it hosts, goes through them."""

from functools import wraps

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.selectors.standing import ensure_can_transact
from shop.core.ids import id_or_none
from shop.core.permissions import capability_required

from .selectors import CurrentStore, store_current_for_user, user_is_seller

_seller_capability = capability_required(
    lambda user: user_is_seller(user=user),
    gettext_lazy("The seller dashboard is for store owners and staff. Open a store to start selling."),
    action=(gettext_lazy("Open a store"), "sellers:setup"),
)
READING = frozenset({"GET", "HEAD", "OPTIONS"})


def seller_required(view=None, *, reading_post: bool = False):
    """The dashboard's one gate: store members only, and every write (any method but GET,
    HEAD, OPTIONS) by an account in good standing (``ensure_can_transact``: a suspended
    seller reads the dashboard but cannot change listings, orders or the store; the 403
    page says why). ``reading_post``: a POST that only changes what the page shows."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if request.method not in READING and not reading_post:
                ensure_can_transact(request.user)
            return view(request, *args, **kwargs)

        return _seller_capability(checked)

    return decorator(view) if view is not None else decorator


CURRENT_STORE_SESSION_KEY = "dashboard_store"
# Where the switcher lands: the same section of the other store (its list, not an object).
SWITCH_SECTIONS = {"dashboard", "analytics", "products", "orders", "promotions", "payouts", "team", "settings"}
_SECTION_OF_URL = (("analytics", "analytics"), ("promotion", "promotions"), ("product", "products"), ("order", "orders"), ("payout", "payouts"), ("team", "team"), ("settings", "settings"))


def current_store(request, *, switch_to: int | None = None) -> CurrentStore:
    """The store this dashboard request works on, remembered in the session and checked
    against the user's memberships on every request (``store_current_for_user``).
    ``switch_to`` names the store of the object a page shows (an order from a
    notification), which becomes current so the page and its breadcrumb agree."""
    current = getattr(request, "_current_store", None)
    if current is None or (switch_to is not None and current.store.pk != switch_to):
        wanted = switch_to if switch_to is not None else id_or_none(request.session.get(CURRENT_STORE_SESSION_KEY))
        current = store_current_for_user(user=request.user, store_id=wanted)
        if current is None:
            raise Http404(_("You are not on any store's team."))
        if request.session.get(CURRENT_STORE_SESSION_KEY) != current.store.pk:
            request.session[CURRENT_STORE_SESSION_KEY] = current.store.pk
        request._current_store = current
    return current


def dashboard_context(request, current: CurrentStore) -> dict:
    """What every dashboard page's header, switcher and breadcrumb read."""
    url_name = request.resolver_match.url_name if request.resolver_match else ""
    return {
        "store": current.store,
        "membership": current.membership,
        "store_memberships": current.memberships,
        "dashboard_section": next((section for part, section in _SECTION_OF_URL if part in url_name), "dashboard"),
    }
