from django.contrib import admin

from .models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "code", "latitude", "longitude"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "kind", "parent", "code", ("latitude", "longitude")]

    def get_queryset(self, request):
        # Areas print as their full name; loading the parents keeps the changelist and the
        # parent autocomplete from querying once per level per row.
        return super().get_queryset(request).with_ancestors()
