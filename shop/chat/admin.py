"""Staff read conversations (from a report) and never write in them; reports are kept
for the moderation queue."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from .models import Block, Conversation, Message, Offer, OfferLine, QuickReply, Report


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnly, admin.TabularInline):
    model = Message
    fields = ("seq", "side", "sender", "kind", "text", "created_at")
    readonly_fields = fields
    extra = 0
    ordering = ("-seq",)
    max_num = 0
    show_change_link = False


@admin.register(Conversation)
class ConversationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "kind", "buyer", "store", "courier", "last_message_at", "seq")
    list_filter = ("kind",)
    search_fields = ("buyer__email", "store__name", "courier__email")
    list_select_related = ("buyer", "store", "courier")
    readonly_fields = ("open_page",)
    inlines = [MessageInline]

    @admin.display(description=gettext_lazy("page"))
    def open_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("chat:conversation", args=[obj.pk]), gettext_lazy("Read it as staff"))


class OfferLineInline(ReadOnly, admin.TabularInline):
    model = OfferLine
    fields = ("variant", "quantity", "unit_price", "list_price")
    readonly_fields = fields
    extra = 0


@admin.register(Offer)
class OfferAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "store", "buyer", "status", "items_total", "list_total", "currency", "expires_at", "order")
    list_filter = ("status",)
    list_select_related = ("store", "buyer", "order")
    inlines = [OfferLineInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("id", "reason", "reporter", "conversation", "message", "status", "created_at")
    list_filter = ("status", "reason")
    list_select_related = ("reporter", "conversation", "message")
    readonly_fields = ("reporter", "conversation", "message", "reason", "text", "created_at", "open_page")
    fields = ("reporter", "conversation", "message", "reason", "text", "status", "created_at", "open_page")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("conversation page"))
    def open_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("chat:conversation", args=[obj.conversation_id]), gettext_lazy("Read it as staff"))


@admin.register(Block)
class BlockAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("buyer", "store", "by_side", "by_user", "created_at")
    list_select_related = ("buyer", "store", "by_user")


@admin.register(QuickReply)
class QuickReplyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("store", "text", "created_at")
    list_select_related = ("store",)
