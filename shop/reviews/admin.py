"""Reviews in the admin. Hiding one and showing it again are trust and safety's take-downs:
shop.moderation.admin.reviews adds them to this admin."""

from django.contrib import admin

from shop.core.admin import FieldsReadOnly

from .models import BuyerFeedback, Review, ReviewReport, ReviewRevision


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
class ReviewAdmin(FieldsReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "kind", "store", "product", "created_at", "helpful_count", "hidden_at"]
    list_filter = ["kind", "stars", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__email", "author_name", "order__number"]
    raw_id_fields = ["author", "order", "order_item", "product", "store", "hidden_by", "responded_by"]
    readonly_fields = ["stars", "text", "helpful_count", "hidden_at", "hidden_reason", "hidden_by", "edited_at"]
    inlines = [RevisionInline, ReportInline]


@admin.register(ReviewReport)
class ReviewReportAdmin(FieldsReadOnly, admin.ModelAdmin):
    editable_fields = ("closed_at",)  # a report dismissed without hiding the review
    list_display = ["review", "reason", "reporter", "created_at", "closed_at"]
    list_filter = ["reason", ("closed_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["review", "reporter"]


@admin.register(BuyerFeedback)
class BuyerFeedbackAdmin(FieldsReadOnly, admin.ModelAdmin):
    list_display = ["order", "store", "buyer", "rating", "created_at"]
    list_filter = ["rating"]
    raw_id_fields = ["order", "store", "buyer", "author"]
