"""What the platform's key sent out of the escrow, for finance: read only (transfers are
signed and settled by the jobs, never by hand)."""

from django.contrib import admin

from shop.core.admin import ReadOnlyAdmin

from .models import EscrowTransfer


@admin.register(EscrowTransfer)
class EscrowTransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "amount_minor", "to_address", "status", "tx_hash", "block_number"]
    list_filter = ["kind", "status"]
    search_fields = ["key", "checkout_id", "to_address", "tx_hash"]
    date_hierarchy = "created_at"
