from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "shop.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("Accounts")

    def ready(self):
        from .preferences import services  # noqa: F401  (connects the login receiver)

        _authenticator_labels()


def _authenticator_labels() -> None:
    """allauth's second-factor model names itself and its fields only in English; give the
    admin (where staff see it) translatable names. Names only: nothing about the table."""
    from allauth.mfa.models import Authenticator

    meta = Authenticator._meta
    meta.verbose_name, meta.verbose_name_plural = gettext_lazy("authenticator"), gettext_lazy("authenticators")
    for field, label in (
        ("user", gettext_lazy("user")),
        ("type", gettext_lazy("type")),
        ("data", gettext_lazy("data")),
        ("created_at", gettext_lazy("created at")),
        ("last_used_at", gettext_lazy("last used at")),
    ):
        meta.get_field(field).verbose_name = label
