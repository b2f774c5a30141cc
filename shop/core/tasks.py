"""Background jobs that belong to no single app. Tasks are thin: they call a service.

Each app owns its periodic clean-up (``shop.notifications.tasks``, ``shop.cart.tasks``):
core knows none of them."""

from django.core.mail import EmailMultiAlternatives
from huey.contrib.djhuey import task


@task(retries=3, retry_delay=30)
def send_email_task(*, subject: str, body: str, to: list[str], from_email: str | None = None, html: str | None = None):
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
