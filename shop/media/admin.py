"""Pictures handed to the IPFS pinning service, and where each stands: read only (the
pinning job sends, checks and retries them)."""

from django.contrib import admin

from shop.core.admin import ReadOnlyAdmin

from .models import RenditionPin


@admin.register(RenditionPin)
class RenditionPinAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "cid", "name", "format", "width", "status", "attempts", "failure_reason"]
    list_filter = ["status", "format"]
    search_fields = ["cid", "name", "request_id"]
