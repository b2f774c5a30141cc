from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReviewsConfig(AppConfig):
    name = "shop.reviews"
    label = "reviews"
    verbose_name = gettext_lazy("Reviews")

    def ready(self):
        from . import tasks  # noqa: F401 - registers the periodic task
