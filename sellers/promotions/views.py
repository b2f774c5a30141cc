"""The store's sales under /dashboard/promotions/: the list (running, scheduled, past), a
new sale, and stopping one (``shop.promotions.services.sales``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.core.refusals import REFUSED_STATUS
from shop.promotions.services.codes import PromoRefused, promo_code_create, promo_code_stop, promo_codes_for_store
from shop.promotions.services.sales import SaleInvalid, sale_create, sale_stop

from ..decorators import current_store, dashboard_context, seller_required
from .forms import PromoCodeForm, SaleForm
from .selectors import store_promo_code_get, store_sale_get, store_sales


@seller_required
def promotions(request):
    current = current_store(request)
    posted = request.POST if request.method == "POST" else None
    form = SaleForm(posted if posted and "code-code" not in posted else None, store=current.store)
    code_form = PromoCodeForm(posted if posted and "code-code" in posted else None, store=current.store)
    if form.is_bound and form.is_valid():
        try:
            sale = sale_create(store=current.store, user=request.user, data=form.sale_input())
        except SaleInvalid as error:
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("“%(name)s” is scheduled. The prices change by themselves when it starts and ends.") % {"name": sale.name})
            return redirect("sellers:promotions")
    if code_form.is_bound and code_form.is_valid():
        try:
            made = promo_code_create(store=current.store, user=request.user, fields=code_form.model_fields())
        except PromoRefused as error:
            code_form.add_error(None, str(error))
        else:
            messages.success(request, _("Shoppers can now type %(code)s at checkout.") % {"code": made.code})
            return redirect(reverse("sellers:promotions") + "#codes")
    current_sales, past_sales = store_sales(store=current.store)
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "promotions",
        "form": form,
        "code_form": code_form,
        "codes": promo_codes_for_store(store=current.store),
        "current_sales": current_sales,
        "past_sales": past_sales,
    }
    return render(request, "sellers/promotions.html", context, status=REFUSED_STATUS if form.errors or code_form.errors else 200)


@seller_required
@require_POST
def promo_code_stop_view(request, pk: int):
    current = current_store(request)
    code = store_promo_code_get(store=current.store, pk=pk)
    promo_code_stop(code=code)
    messages.success(request, _("%(code)s no longer works.") % {"code": code.code})
    return redirect(reverse("sellers:promotions") + "#codes")


@seller_required
@require_POST
def sale_stop_view(request, pk: int):
    current = current_store(request)
    sale = store_sale_get(store=current.store, pk=pk)
    sale = sale_stop(sale=sale)
    messages.success(request, _("“%(name)s” is stopped; the prices are back.") % {"name": sale.name})
    return redirect("sellers:promotions")
