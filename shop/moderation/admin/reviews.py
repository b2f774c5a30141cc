"""Hiding a review from its admin page is a take-down like any other: it opens (or joins) the
review's case, records what it hid, tells the author why with a link to the standing page where
they may appeal, and is logged. Showing it again reverses that take-down. Both need the
``moderation.decide_case`` permission, as every take-down decision does."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.ids import int_or_none
from shop.reviews.admin import ReviewAdmin
from shop.reviews.models import Review
from shop.reviews.services import review_unhide

from ..reports.selectors import DECIDE_PERM
from ..reports.services import ReportError, target_show_again, target_take_down


class HideForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason, shown to the author"), max_length=300)


class ModeratedReviewAdmin(ReviewAdmin):
    actions = ["unhide"]
    change_form_template = "reviews/admin_change_form.html"

    def get_urls(self):
        return [
            path("<int:pk>/hide/", self.admin_site.admin_view(self.hide_view), name="reviews_review_hide"),
            *super().get_urls(),
        ]

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(DECIDE_PERM)

    def hide_view(self, request, pk: int):
        if not (self.has_change_permission(request) and self.has_decide_permission(request)):
            raise PermissionDenied
        review = Review.objects.filter(pk=int_or_none(pk)).first()
        if review is None:
            raise Http404
        form = HideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                target_take_down(target=review, actor=request.user, reason=form.cleaned_data["reason"])
            except ReportError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The review is hidden; its author sees why and may appeal."))
                return redirect(reverse("admin:reviews_review_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "review": review,
            "form": form,
            "title": _("Hide a review"),
            "opts": self.model._meta,
        }
        return render(request, "reviews/admin_hide.html", context)

    @admin.action(description=gettext_lazy("Show the selected reviews again"), permissions=["change", "decide"])
    def unhide(self, request, queryset):
        reason = _("Shown again by %(site)s's staff.") % {"site": settings.SOKO_SITE_NAME}
        for review in queryset.filter(hidden_at__isnull=False):
            if target_show_again(target=review, actor=request.user, reason=reason) is None:
                review_unhide(review=review)  # hidden before take-downs were recorded
        messages.success(request, _("The reviews are shown again."))


admin.site.unregister(Review)
admin.site.register(Review, ModeratedReviewAdmin)
