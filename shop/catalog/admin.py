"""Staff moderate listings here: the product list opens on the pending-review queue, with
actions to approve or reject (with a reason the seller is shown). Variants are edited
inline; their stock goes through ``shop.inventory`` against the figure the page showed,
as on the seller's form."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shop.core.refusals import REFUSED_STATUS
from shop.core.validators import money_fields_check
from shop.inventory.services import StockConflict, StockEdit, stock_adjust, stock_conflicts

from .models import Category, Product, ProductImage, Tag, Variant
from .services.products import ModerationError, product_approve, product_reject, product_summary_refresh

ALL = "all"


class ReviewStatusFilter(admin.SimpleListFilter):
    """By status, pending review unless staff choose otherwise, with a count for each."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        counts = dict(Product.objects.values_list("status").annotate(n=Count("id")).order_by())
        ordered = [Product.Status.PENDING] + [value for value in Product.Status.values if value != Product.Status.PENDING]
        labels = dict(Product.Status.choices)
        return [(value, f"{labels[value]} ({counts.get(value, 0)})") for value in ordered] + [(ALL, _("All"))]

    def value(self):
        return super().value() or Product.Status.PENDING

    def queryset(self, request, queryset):
        if self.value() == ALL:
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class VariantAdminForm(forms.ModelForm):
    """A variant row whose stock is not a model field: ``stock_count`` is the figure
    entered, ``stock_seen`` the one the page showed (see ``shop.inventory.StockEdit``)."""

    stock_count = forms.IntegerField(label=gettext_lazy("Stock"), min_value=0, initial=0, widget=forms.NumberInput(attrs={"class": "admin-stock-count"}))
    stock_seen = forms.IntegerField(label=gettext_lazy("Stock seen"), required=False, widget=forms.HiddenInput)

    class Meta:
        model = Variant
        fields = ["name", "sku", "attributes", "price", "compare_at_price", "low_stock_threshold", "duration_minutes", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["stock_count"].initial = self.fields["stock_seen"].initial = self.instance.stock

    # The store's currency: set by the inline's formset (the product may not be saved yet).
    currency: str | None = None

    def clean(self):
        cleaned = super().clean()
        currency = self.currency
        if currency is None and self.instance.product_id:
            currency = self.instance.product.store.currency
        if currency:
            money_fields_check(self, currency, ("price", "compare_at_price"))
        return cleaned

    def stock_conflict(self, conflict: StockConflict) -> None:
        """Say how the stock moved; saving again sets the figure entered."""
        self.data = self.data.copy()
        self.data[self.add_prefix("stock_seen")] = str(conflict.now)
        self.add_error(None, conflict.message)  # across the whole row: the inline is wide
        self.add_error("stock_count", _("Check this figure: stock is now %(now)s.") % {"now": conflict.now})


class VariantInlineFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance.store_id:  # the product's store, chosen on the page above
            form.currency = self.instance.store.currency
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # Locks the edited variants until the admin's transaction ends, so the figures
        # checked here are still the figures when save_related applies them.
        rows = {form.instance.pk: form for form in self.initial_forms if not self._should_delete_form(form)}
        for conflict in stock_conflicts(edits=self.stock_edits(existing_only=True)):
            rows[conflict.edit.variant_id].stock_conflict(conflict)

    def stock_edits(self, *, existing_only: bool = False) -> list[StockEdit]:
        """The stock figures to apply: existing rows against what the page showed; new
        rows (after saving, created with no stock) against 0."""
        edits = []
        for form in self.forms:
            if self._should_delete_form(form) or not form.cleaned_data or form.instance.pk is None:
                continue
            existing = form in self.initial_forms
            if existing_only and not existing:
                continue
            seen = form.cleaned_data.get("stock_seen") if existing else 0
            edits.append(StockEdit(variant_id=form.instance.pk, wanted=form.cleaned_data["stock_count"], seen=seen))
        return edits


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantAdminForm
    formset = VariantInlineFormSet
    extra = 0

    class Media:
        css = {"all": ["catalog/admin.css"]}

    def get_max_num(self, request, obj=None, **kwargs):
        return settings.SOKO_PRODUCT_MAX_VARIANTS
    formfield_overrides = {models.JSONField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 24})}}
    fields = [
        "name", "sku", "attributes", "price", "compare_at_price", "stock_count", "stock_seen", "low_stock_threshold",
        "duration_minutes", "position",
    ]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["thumbnail", "alt", "position"]
    readonly_fields = ["thumbnail", "alt", "position"]

    class Media:
        css = {"all": ["catalog/admin.css"]}
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Picture"))
    def thumbnail(self, product_image):
        image = product_image.image
        return format_html(
            '<img class="admin-thumbnail" src="{}" alt="" width="96" height="96">', image.url(160, "jpeg")
        )


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=300,
        help_text=gettext_lazy("The seller sees this with the listing: say what to change (at most 300 characters)."),
        error_messages={"required": gettext_lazy("Give the seller a reason for the rejection.")},
    )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "store", "status", "category", "min_price", "in_stock", "created_at"]
    list_display_links = ["title"]
    list_filter = [ReviewStatusFilter, "store__verified", "kind"]
    list_select_related = ["store", "category"]
    search_fields = ["title", "slug", "brand", "store__name", "variants__sku"]
    actions = ["approve_products", "reject_products"]
    inlines = [VariantInline, ProductImageInline]
    autocomplete_fields = ["category"]
    readonly_fields = [
        "store", "status", "rejection_reason", "published_at", "tags_text", "min_price", "in_stock",
        "rating_avg", "rating_count", "orders_count", "created_at", "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["store", "title", "slug", "kind", "category", "condition", "brand", "description", "tags_text", "featured"]}),
        (gettext_lazy("Review"), {"fields": ["status", "rejection_reason", "published_at", "created_at", "updated_at"]}),
        (gettext_lazy("Figures"), {"fields": ["min_price", "in_stock", "rating_avg", "rating_count", "orders_count"]}),
    ]

    def get_ordering(self, request):
        # The review queue is first come, first served; other views show the newest first.
        if request.GET.get("status", Product.Status.PENDING) == Product.Status.PENDING:
            return ["created_at", "id"]
        return ["-created_at", "-id"]

    def has_add_permission(self, request):
        # Listings belong to a store and are created by its sellers.
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if isinstance(formset, VariantInlineFormSet):
                stock_adjust(edits=formset.stock_edits())
        product_summary_refresh(product=form.instance)

    @admin.action(description=gettext_lazy("Approve the selected products"), permissions=["change"])
    def approve_products(self, request, queryset):
        approved = 0
        for product in queryset:
            try:
                product_approve(product=product, actor=request.user)
            except ModerationError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                approved += 1
        if approved:
            self.message_user(request, ngettext("Approved %(approved)s product; the sellers were notified.", "Approved %(approved)s products; the sellers were notified.", approved) % {"approved": approved}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Reject the selected products with a reason…"), permissions=["change"])
    def reject_products(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        status = None
        if form.is_bound and form.is_valid():
            rejected, left = 0, []
            for product in queryset:
                try:
                    product_reject(product=product, reason=form.cleaned_data["reason"], actor=request.user)
                except ModerationError as error:
                    left.append(str(error))
                else:
                    rejected += 1
            if rejected:
                for text in left:
                    self.message_user(request, text, messages.WARNING)
                self.message_user(request, ngettext("Rejected %(rejected)s product; the sellers were told why.", "Rejected %(rejected)s products; the sellers were told why.", rejected) % {"rejected": rejected}, messages.SUCCESS)
                return None
            # None was rejected: the form again with the reason as written, and why.
            for text in left:
                form.add_error(None, text)
            status = REFUSED_STATUS
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject products"),
            "subtitle": None,
            "opts": self.model._meta,
            "products": queryset.select_related("store"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/catalog/product/reject_products.html", context, status=status)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "icon_preview", "slug", "parent", "position", "product_count"]
    list_editable = ["position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_fr", "name_sw", "name_ur", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", ("name_fr", "name_sw", "name_ur"), "slug", "parent", "icon", "position"]

    class Media:
        css = {"all": ["vendor/bootstrap-icons/bootstrap-icons.min.css", "catalog/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(products_total=Count("products"))

    def get_ordering(self, request):
        # Each top-level category followed by its children: a readable tree in one list.
        return [
            Coalesce("parent__position", "position").asc(),
            Coalesce("parent_id", "id").asc(),
            F("parent_id").asc(nulls_first=True),
            "position",
            "name",
        ]

    @admin.display(description=gettext_lazy("Category"), ordering="name")
    def tree_name(self, category):
        if category.parent_id:
            return format_html('<span class="admin-parent-name">{} ›</span> {}', category.parent.label, category.label)
        return format_html("<strong>{}</strong>", category.label)

    @admin.display(description=gettext_lazy("Icon"))
    def icon_preview(self, category):
        return format_html('<i class="bi {}" title="{}"></i>', category.icon, category.icon)

    @admin.display(description=gettext_lazy("Products"), ordering="products_total")
    def product_count(self, category):
        return category.products_total


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
