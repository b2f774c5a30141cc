from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Post
from .services import post_feature, post_unpublish


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Stores write their posts in the dashboard; staff feature them on the home page, or
    take one down to a draft."""

    list_display = ["title", "store", "status", "published_at", "featured_at"]
    list_filter = ["status", ("featured_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "store__name", "slug"]
    list_select_related = ["store"]
    readonly_fields = ["store", "author", "slug", "title", "excerpt", "body", "cover", "products", "status", "published_at", "featured_at"]
    actions = ["feature", "unfeature", "unpublish"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Feature on the home page"), permissions=["change"])
    def feature(self, request, queryset):
        done = sum(post_feature(post=post, on=True, actor=request.user) for post in queryset)
        if done < queryset.count():
            self.message_user(request, _("Drafts and posts featured already were left as they were."), messages.WARNING)
        self.message_user(request, ngettext("%(count)s post featured.", "%(count)s posts featured.", done) % {"count": done})

    @admin.action(description=gettext_lazy("Stop featuring"), permissions=["change"])
    def unfeature(self, request, queryset):
        done = sum(post_feature(post=post, on=False, actor=request.user) for post in queryset)
        self.message_user(request, ngettext("%(count)s post no longer featured.", "%(count)s posts no longer featured.", done) % {"count": done})

    @admin.action(description=gettext_lazy("Unpublish (back to a draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        posts = list(queryset.filter(status=Post.Status.PUBLISHED))
        for post in posts:
            post_unpublish(post=post, actor=request.user)
        self.message_user(request, ngettext("%(count)s post unpublished.", "%(count)s posts unpublished.", len(posts)) % {"count": len(posts)})
