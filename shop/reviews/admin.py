from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.ids import int_or_none

from .models import BuyerFeedback, Review, ReviewReport, ReviewRevision
from .services import ReviewError, review_hide, review_unhide


class HideForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason, shown to the author"), max_length=300)


class RevisionInline(admin.TabularInline):
    model = ReviewRevision
    extra = 0
    can_delete = False
    readonly_fields = ["stars", "text", "created_at"]


class ReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    can_delete = False
    readonly_fields = ["reporter", "reason", "text", "created_at", "closed_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "store", "product", "created_at", "helpful_count", "hidden_at"]
    list_filter = ["kind", "stars", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__email", "author_name", "order__number"]
    raw_id_fields = ["author", "order", "order_item", "product", "store", "hidden_by", "responded_by"]
    readonly_fields = ["stars", "text", "helpful_count", "hidden_at", "hidden_reason", "hidden_by", "edited_at"]
    inlines = [RevisionInline, ReportInline]
    actions = ["unhide"]
    change_form_template = "reviews/admin_change_form.html"

    def get_urls(self):
        return [
            path("<int:pk>/hide/", self.admin_site.admin_view(self.hide_view), name="reviews_review_hide"),
            *super().get_urls(),
        ]

    def hide_view(self, request, pk: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        review = Review.objects.filter(pk=int_or_none(pk)).first()
        if review is None:
            raise Http404
        form = HideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                review_hide(review=review, staff=request.user, reason=form.cleaned_data["reason"])
            except ReviewError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The review is hidden; its author sees why."))
                return redirect(reverse("admin:reviews_review_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "review": review,
            "form": form,
            "title": _("Hide a review"),
            "opts": self.model._meta,
        }
        return render(request, "reviews/admin_hide.html", context)

    @admin.action(description=gettext_lazy("Show the selected reviews again"), permissions=["change"])
    def unhide(self, request, queryset):
        for review in queryset.filter(hidden_at__isnull=False):
            review_unhide(review=review)
        messages.success(request, _("The reviews are shown again."))


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ["review", "reason", "reporter", "created_at", "closed_at"]
    list_filter = ["reason", ("closed_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["review", "reporter"]


@admin.register(BuyerFeedback)
class BuyerFeedbackAdmin(admin.ModelAdmin):
    list_display = ["order", "store", "buyer", "rating", "created_at"]
    list_filter = ["rating"]
    raw_id_fields = ["order", "store", "buyer", "author"]
