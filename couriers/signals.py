"""Signals the couriers app sends to the apps above it.

``return_job_delivered`` (``sender=DeliveryJob, job=job``): a return pickup's goods reached
the store (the courier typed the store's drop-off code, or the store confirmed receipt of
goods the courier had picked up). Sent once per job, after the commit that delivered it.
"""

from django.dispatch import Signal

return_job_delivered = Signal()
