from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from shop.core.tasks import send_email_task


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        intent = request.session.pop("signup_intent", "shop")
        if intent == "sell":
            return reverse("sellers:setup")
        if intent == "deliver":
            return reverse("couriers:apply")
        return super().get_signup_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """Render now (the request is here), send through Huey (never block the page)."""
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), None)
        send_email_task(
            subject=message.subject, body=message.body, to=list(message.to), from_email=message.from_email, html=html
        )
