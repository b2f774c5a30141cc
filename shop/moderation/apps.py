from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


class ModerationConfig(AppConfig):
    name = "shop.moderation"
    label = "moderation"
    verbose_name = gettext_lazy("Trust and safety")

    def ready(self):
        from . import account_tasks, export_tasks, tasks  # noqa: F401 - register the periodic tasks and the exports' build
        from .receivers import log_staff_action  # noqa: F401 - the log hears the staff actions of the apps below
        from .services.roles import roles_sync_after_migrate

        # Every app's migrate signal reaches it; it syncs on the last one's.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="moderation.roles_sync")
