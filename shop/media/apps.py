from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "shop.media"
    label = "media"
    verbose_name = "Images"
