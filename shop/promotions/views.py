from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from shop.core.htmx import render_page
from shop.core.pagination import WindowCountPaginator
from shop.core.selectors.currencies import display_currency

from .models import LoyaltyEntry
from .services.loyalty import earn_every, point_value, points_balances, points_expiring


@login_required
@require_GET
def points(request):
    """The shopper's own loyalty points: the balance in each currency, what expires soon,
    how points are earned and spent, and the history, newest first."""
    balances = []
    for currency, balance in points_balances(user=request.user).items():
        expiring, first = points_expiring(user=request.user, currency=currency)
        balances.append(
            {
                "currency": currency,
                "points": balance,
                "worth": max(balance, 0) * point_value(currency),
                "expiring": expiring,
                "expiring_from": first,
                "earn_every": earn_every(currency),
                "point_value": point_value(currency),
            }
        )
    history = LoyaltyEntry.objects.filter(user=request.user).select_related("order").order_by("-created_at", "-pk")
    page = WindowCountPaginator(history, 25).get_page(request.GET.get("page"))
    shown = balances[0]["currency"] if balances else (display_currency() or settings.SOKO_CURRENCY)
    context = {
        "balances": balances,
        "page": page,
        "rule": {"currency": shown, "earn_every": earn_every(shown), "point_value": point_value(shown)},
        "max_percent": settings.SOKO_LOYALTY_MAX_ORDER_PERCENT,
        "expiry_days": settings.SOKO_LOYALTY_EXPIRY_DAYS,
    }
    return render_page(request, "promotions/points.html", context, fragment="history")
