"""Staff see every auction with its bids, and stop one that has not ended (with a reason,
on an intermediate page). An auction's terms and state are the bidding services': they are
read-only here, and auctions are neither added nor deleted in the admin. Bidding blocks
are lifted with an action (kept as history); staff may also block a buyer by hand. Bids'
maximums, watches, second-chance offers and payment violations are read-only lists."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shop.core.admin import FieldsReadOnly, ReadOnlyAdmin
from shop.core.refusals import REFUSED_STATUS
from shop.core.selectors.money import money_format
from shop.core.services.transactions import DatabaseBusy

from .models import Auction, Bid, BiddingBlock, PaymentViolation, ProxyBid, SecondChanceOffer, Watch
from .services import AuctionError, auction_cancel, bidding_block_lift

CANCEL_TEMPLATE = "admin/auctions/auction/cancel_auctions.html"


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=300,
        help_text=gettext_lazy("Kept with the auction for the store and for staff (at most 300 characters)."),
        error_messages={"required": gettext_lazy("Say why the auction is cancelled.")},
    )


class BidInline(admin.TabularInline):
    """The bid history, highest first, as bidders and the store see it."""

    model = Bid
    extra = 0
    can_delete = False
    fields = ["amount", "bidder", "automatic", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bidder")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Auction)
class AuctionAdmin(FieldsReadOnly, admin.ModelAdmin):
    list_display = ["product", "store", "status", "outcome", "price", "bid_count", "ends_at", "winner"]
    list_filter = ["status", "outcome"]
    search_fields = ["product__title", "store__name"]
    list_select_related = ["product", "store", "winner"]
    date_hierarchy = "ends_at"
    actions = ["cancel_auctions"]
    inlines = [BidInline]
    fieldsets = [
        (None, {"fields": ["product", "store", "status", "outcome", "cancel_reason", "stop"]}),
        (
            gettext_lazy("Terms"),
            {
                "fields": [
                    "currency", "start_price", "reserve_price", "buy_now_price",
                    "starts_at", "ends_at", "soft_close_minutes", "relisted_from",
                ]
            },
        ),
        (
            gettext_lazy("State"),
            {
                "fields": [
                    "current_price", "bid_count", "leader", "reserve_met", "watchers_count", "seq",
                    "ending_soon_sent_at", "closed_at",
                ]
            },
        ),
        (gettext_lazy("Sale"), {"fields": ["winner", "final_price", "order"]}),
        (gettext_lazy("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    # Terms and state change through the bidding services only (a bid, the closing job,
    # a cancellation): an edit here would skip their row lock and their pushes to pages.
    readonly_fields = [field for fieldset in fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # stores put their products up for auction from their dashboard

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the bids and the outcome are kept

    @admin.display(description=gettext_lazy("current price"), ordering="current_price")
    def price(self, auction):
        return money_format(auction.current_price, auction.currency) or "—"

    @admin.display(description=gettext_lazy("cancel"))
    def stop(self, auction):
        if auction.pk is None or auction.status not in Auction.OPEN:
            return "—"
        url = reverse("admin:auctions_auction_cancel", args=[auction.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Cancel this auction…"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Nothing on the page can be edited: no save buttons.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view(self.cancel_view)
        return [path("<int:auction_id>/cancel/", view, name="auctions_auction_cancel"), *super().get_urls()]

    def cancel_view(self, request, auction_id: int):
        """The change page's button: the same reason page as the list's action, for one auction."""
        if not self.has_change_permission(request):
            return redirect("admin:index")
        queryset = Auction.objects.filter(pk=auction_id)
        if not queryset.exists():
            self.message_user(request, _("This auction does not exist."), messages.WARNING)
            return redirect("admin:auctions_auction_changelist")
        response = self._cancel(request, queryset)
        return response or redirect("admin:auctions_auction_change", auction_id)

    @admin.action(description=gettext_lazy("Cancel the selected auctions with a reason…"), permissions=["change"])
    def cancel_auctions(self, request, queryset):
        return self._cancel(request, queryset)

    def _cancel(self, request, queryset):
        """Ask for the reason; with one, cancel each auction through the service. Returns the
        reason page, or None once done (the caller redirects). When every auction was refused,
        the page comes back (422) with the reason as typed and why each was refused."""
        form = CancelForm(request.POST if request.method == "POST" and "apply" in request.POST else None)
        status = REFUSED_STATUS if form.is_bound else None
        if form.is_bound and form.is_valid():
            cancelled, refusals = 0, []
            for auction in queryset.select_related("product"):
                try:
                    auction_cancel(auction_id=auction.pk, actor=request.user, reason=form.cleaned_data["reason"])
                except AuctionError as error:
                    # Translators: an auction left as it was, and why.
                    refusals.append(_("%(item)s: %(error)s") % {"item": auction, "error": error})
                except DatabaseBusy:
                    refusals.append(_("%(auction)s: busy right now, try again.") % {"auction": auction})
                else:
                    cancelled += 1
            if cancelled:
                for refusal in refusals:
                    self.message_user(request, refusal, messages.WARNING)
                self.message_user(
                    request,
                    ngettext("%(count)s auction cancelled.", "%(count)s auctions cancelled.", cancelled) % {"count": cancelled},
                    messages.SUCCESS,
                )
                return None
            for refusal in refusals:
                form.add_error(None, refusal)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel auctions"),
            "subtitle": None,
            "opts": self.model._meta,
            "auctions": queryset.select_related("product", "store"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, CANCEL_TEMPLATE, context, status=status)


@admin.register(ProxyBid)
class ProxyBidAdmin(ReadOnlyAdmin):
    list_display = ["auction", "bidder", "max_amount", "raised_at", "created_at"]
    search_fields = ["auction__product__title", "bidder__email"]
    list_select_related = ["auction__product", "bidder"]


@admin.register(Watch)
class WatchAdmin(ReadOnlyAdmin):
    list_display = ["auction", "user", "created_at"]
    search_fields = ["auction__product__title", "user__email"]
    list_select_related = ["auction__product", "user"]


@admin.register(SecondChanceOffer)
class SecondChanceOfferAdmin(ReadOnlyAdmin):
    list_display = ["auction", "bidder", "amount", "reason", "status", "expires_at", "created_at"]
    list_filter = ["status", "reason"]
    search_fields = ["auction__product__title", "bidder__email"]
    list_select_related = ["auction__product", "bidder"]


@admin.register(PaymentViolation)
class PaymentViolationAdmin(ReadOnlyAdmin):
    list_display = ["buyer", "auction", "order", "created_at"]
    search_fields = ["buyer__email", "order__number", "auction__product__title"]
    list_select_related = ["buyer", "auction__product", "order"]


class BlockStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("lifted", _("Lifted"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(lifted_at__isnull=True)
        if self.value() == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


class BiddingBlockForm(forms.ModelForm):
    class Meta:
        model = BiddingBlock
        fields = ["user", "reason"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if self.instance.pk is None and BiddingBlock.objects.filter(user=user, lifted_at__isnull=True).exists():
            raise forms.ValidationError(_("This person is already blocked from bidding."))
        return user


@admin.register(BiddingBlock)
class BiddingBlockAdmin(admin.ModelAdmin):
    """Blocks come from unpaid wins; staff lift them here, or block a buyer by hand."""

    form = BiddingBlockForm
    list_display = ["user", "reason", "created_at", "lifted_at", "lifted_by"]
    list_filter = [BlockStateFilter]
    search_fields = ["user__email", "user__display_name", "reason"]
    list_select_related = ["user", "lifted_by"]
    autocomplete_fields = ["user"]
    actions = ["lift_blocks"]

    def get_fields(self, request, obj=None):
        return ["user", "reason"] if obj is None else ["user", "reason", "created_at", "lifted_at", "lifted_by"]

    def get_readonly_fields(self, request, obj=None):
        # Lifting goes through the action; who is blocked does not change afterwards.
        return [] if obj is None else ["user", "created_at", "lifted_at", "lifted_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # lifted blocks are kept: they decide which violations still count

    @admin.action(description=gettext_lazy("Lift the block"), permissions=["change"])
    def lift_blocks(self, request, queryset):
        blocks = list(queryset)
        lifted = sum(bidding_block_lift(block=block, actor=request.user) for block in blocks)
        if lifted < len(blocks):
            self.message_user(request, _("Blocks already lifted were left as they were."), messages.WARNING)
        self.message_user(
            request,
            ngettext("%(count)s block lifted.", "%(count)s blocks lifted.", lifted) % {"count": lifted},
            messages.SUCCESS,
        )
