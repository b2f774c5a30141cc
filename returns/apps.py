from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReturnsConfig(AppConfig):
    name = "returns"
    label = "returns"
    verbose_name = gettext_lazy("Returns")

    def ready(self):
        from couriers.models import DeliveryJob
        from couriers.signals import return_job_delivered

        from . import receivers

        return_job_delivered.connect(receivers.job_delivered, sender=DeliveryJob, dispatch_uid="returns.job_delivered")
