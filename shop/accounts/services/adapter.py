import logging
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal.httpkit import clean_client_ip
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from shop.core.services.mail import site_url
from shop.core.tasks import send_email_task

log = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        intent = request.session.pop("signup_intent", "shop")
        if intent == "sell":
            return reverse("sellers:setup")
        if intent == "deliver":
            return reverse("couriers:apply")
        return super().get_signup_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """Render now (the request is here), send through Huey (never block the page); when
        the queue is unreachable, send it from here: the code or link is needed now.

        The site is Soko at ``SOKO_SITE_URL``, never the request's host: allauth's links
        (``activate_url``, ``password_reset_url``, ``signup_url``) move onto it."""
        context = {
            "request": allauth_context.request,
            "email": email,
            "current_site": SimpleNamespace(name=settings.SOKO_SITE_NAME, domain=urlsplit(settings.SOKO_SITE_URL).netloc),
            **{key: site_url(value) if key.endswith("_url") and value else value for key, value in context.items()},
        }
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), None)
        fields = {
            "subject": message.subject,
            "body": message.body,
            "to": list(message.to),
            "from_email": message.from_email,
            "html": html,
        }
        try:
            send_email_task(**fields)
        except Exception:
            log.warning("email queue unreachable, sending %r now", message.subject, exc_info=True)
            send_email_task.call_local(**fields)

    def get_login_stages(self):
        return [
            "shop.accounts.services.stages.SignupEmailVerificationStage" if stage.endswith(".EmailVerificationStage") else stage
            for stage in super().get_login_stages()
        ]

    def _get_login_attempts_cache_key(self, request, **credentials):
        """Failed log-ins count per (account, client address): failures from one address
        never refuse the right password from another (``ACCOUNT_RATE_LIMITS``)."""
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"

    def get_client_ip(self, request):
        """allauth's rule (``SOKO_TRUSTED_PROXY_COUNT`` / ``SOKO_TRUSTED_CLIENT_IP_HEADER``),
        except that a request carrying fewer forwarded addresses than trusted proxies, i.e.
        one that skipped a proxy, counts under its leftmost one instead of failing."""
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            forwarded = clean_client_ip(request.headers["X-Forwarded-For"].split(",")[0])
            return forwarded or request.META["REMOTE_ADDR"]
