from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReviewsConfig(AppConfig):
    name = "shop.reviews"
    label = "reviews"
    verbose_name = gettext_lazy("Reviews")

    def ready(self):
        from shop.catalog.services.page_cache import shared_page_refusal

        from . import tasks  # noqa: F401 - registers the periodic task
        from .selectors import product_page_reviewed_by

        # The author of a review is not offered to vote on or report it: their product page is their own.
        shared_page_refusal(product_page_reviewed_by)
