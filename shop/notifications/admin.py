from django.contrib import admin

from shop.core.admin import FieldsReadOnly

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(FieldsReadOnly, admin.ModelAdmin):
    list_display = ["user", "kind", "text", "created_at", "read_at", "emailed_at", "email_failed_at"]
    list_filter = ["kind", ("email_failed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "text"]
    raw_id_fields = ["user"]
