"""Reporting a product, store, user, review, chat message or auction, and one's own reports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shop.core.redirects import safe_next_url

from .forms import ReportForm
from .selectors import kind_word, report_landing, reportable_for_user, reports_of_user, target_label
from .services import ReportError, report_file

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request, kind: str, pk: int):
    target = reportable_for_user(kind=kind, pk=pk, user=request.user)
    back = safe_next_url(request, default="")
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report_file(
                    reporter=request.user, target=target, reason=form.cleaned_data["reason"], text=form.cleaned_data["text"]
                )
            except ReportError as error:
                form.add_error(None, str(error))
                status = 429 if error.code == "rate" else 400
            else:
                landing, hidden = report_landing(kind=kind, target=target, user=request.user, back=back)
                if hidden:
                    thanks = _(
                        "Thank you: your report reached %(site)s's staff, and it is hidden while they look at it. "
                        "You can follow it in My reports."
                    )
                else:
                    thanks = _("Thank you: your report reached %(site)s's staff. You can follow it in My reports.")
                thanks %= {"site": settings.SOKO_SITE_NAME}
                messages.success(request, thanks)
                return redirect(landing)
        else:
            status = 400
    context = {
        "form": form,
        "target": target,
        "target_label": target_label(target),
        "kind": kind,
        "kind_word": kind_word(target),
        "next": back,
    }
    return render(request, "moderation/report_form.html", context, status=status)


@login_required
@require_GET
def my_reports(request):
    page = Paginator(reports_of_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "moderation/reports.html", {"page": page})
