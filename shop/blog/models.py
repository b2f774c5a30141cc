from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped


class PostQuerySet(models.QuerySet):
    def published(self, now=None):
        """What anyone may read: published, and not in the future."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())


class Post(TimeStamped):
    """A store's blog post: a title, a cover picture, a body of sanitised HTML (only the
    tags in ``shop.blog.services.ALLOWED_TAGS``, cleaned when saved) and products of the
    same store shown as cards under it. Drafts are seen by the store's members only;
    staff feature published posts on the home page."""

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        PUBLISHED = "published", gettext_lazy("Published")

    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("author"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(verbose_name=gettext_lazy("title"), max_length=140)
    slug = models.SlugField(verbose_name=gettext_lazy("address"), max_length=160, unique=True)
    excerpt = models.CharField(verbose_name=gettext_lazy("summary"), max_length=300, blank=True, help_text=gettext_lazy("Shown in lists and when the post is shared; the start of the post when empty."))
    body = models.TextField(verbose_name=gettext_lazy("text"))
    cover = models.ForeignKey("media.StoredImage", verbose_name=gettext_lazy("cover picture"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    products = models.ManyToManyField("catalog.Product", verbose_name=gettext_lazy("products shown"), blank=True, related_name="+")
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(verbose_name=gettext_lazy("published"), null=True, blank=True)
    featured_at = models.DateTimeField(verbose_name=gettext_lazy("featured on the home page"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("blog post")
        verbose_name_plural = gettext_lazy("blog posts")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="blog_post_published"),
            models.Index(fields=["featured_at"], condition=Q(featured_at__isnull=False), name="blog_post_featured"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status="draft") | Q(published_at__isnull=False), name="blog_post_published_has_date"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        """``Post.objects.published()`` for one post."""
        return self.status == self.Status.PUBLISHED and self.published_at is not None and self.published_at <= timezone.now()
