"""Every email's links work from a mail client: absolute, on ``SOKO_SITE_URL``, whatever
host the request that caused the email came in on. The senders are found in the code (every
function that hands a message to the mailer), so a new email is covered or this fails; the
allauth emails are found by walking allauth's email templates."""

import ast
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core import mail
from django.template.loader import get_template
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse
from django.utils import timezone

from shop.chat.services.conversations import digests_send, message_send
from shop.notifications.services.notifications import notify
from shop.payments.invoices.services import credit_note_issue, invoice_issue
from shop.payments.refunds.services import refund_order
from shop.reviews.services import review_requests_send
from tests.factories import StoreFactory, UserFactory
from tests.factories.chat import chat_world
from tests.returns.conftest import delivered_order

pytestmark = pytest.mark.django_db

SITE = "https://soko.example"
# The host a request came in on; never to be seen in an email.
REQUEST_HOST = "10.0.0.7:8001"
APP_FOLDERS = ("shop", "sellers", "couriers", "returns")
# What hands a message to the mailer; shop.core's mail service and its task are the mailer.
MAILERS = {"mail_send", "send_email_task", "send_mail", "send_mass_mail", "EmailMessage", "EmailMultiAlternatives"}
MAILER_MODULES = {"shop.core.services.mail", "shop.core.tasks"}


@pytest.fixture(autouse=True)
def site(settings, tmp_path):
    settings.SOKO_SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, REQUEST_HOST.split(":")[0]]
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = tmp_path / "media"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in {"href", "src", "action"} and value]


def links_in(message) -> list[str]:
    """Every URL a reader could follow: http(s) URLs and bare paths in the text, and the
    HTML alternative's href/src."""
    bodies = [message.body, *(body for body, mime in getattr(message, "alternatives", []) if mime == "text/html")]
    found = []
    for body in bodies:
        found += re.findall(r"(?:https?:)?//[^\s<>\"')]+", body)
        found += re.findall(r"(?:^|[\s(:\"'])(/[\w%.~-][^\s<>\"')]*)", body)  # a path with no site before it
        parser = _Links()
        parser.feed(body)
        found += parser.links
    return found


def assert_links_absolute_on_the_site(messages):
    assert messages, "no email was sent"
    for message in messages:
        for link in links_in(message):
            assert link.startswith(SITE + "/"), f"{link!r} in {message.subject!r} is not on {SITE}"
        assert REQUEST_HOST not in message.body and REQUEST_HOST not in message.subject


def a_notification():
    notify(user=UserFactory(), kind="return", text="Your return was approved", url="/returns/4/", email=True)
    return "/returns/4/"


def a_chat_digest():
    world = chat_world()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the digest is marked after the message's commit
        message_send(conversation=world.conversation, user=world.staff, text="It comes in blue")
    digests_send(now=timezone.now() + timedelta(minutes=settings.SOKO_CHAT_EMAIL_MINUTES + 1))
    return reverse("chat:conversation", args=[world.conversation.pk])


def a_review_request():
    order = delivered_order()
    review_requests_send()
    review_requests_send(now=timezone.now() + timedelta(hours=settings.SOKO_REVIEW_EMAIL_HOURS, minutes=1))
    return reverse("reviews:order", args=[order.number])


def an_invoice():
    order = delivered_order(method="card", units=(1,), prices=("6500.00",))
    invoice_issue(order.pk)


def a_credit_note():
    order = delivered_order(method="card", units=(1,), prices=("6500.00",))
    item = order.items.get()
    refund = refund_order(order=order, lines={item.pk: 1}, reason="Damaged", key=f"links:{order.pk}")
    credit_note_issue(refund.pk)


def a_team_invite():
    owner = StoreFactory().memberships.get().user
    client = Client(HTTP_HOST=REQUEST_HOST)
    client.force_login(owner)
    client.post(reverse("sellers:team_invite"), {"email": "wanjiru@example.test"})
    return "/dashboard/join/"


def an_allauth_email():
    """A password reset asked for on the page (allauth's other emails: the template walk below)."""
    Client(HTTP_HOST=REQUEST_HOST).post(
        reverse("account_reset_password"), {"email": UserFactory(email="bea@example.test").email}
    )
    return "/accounts/password/reset/key/"


# Every function that sends mail, by module and name: how to make it send.
SENDERS = {
    "shop.notifications.services.notifications._notification_email": a_notification,
    "shop.chat.services.conversations._digest_email": a_chat_digest,
    "shop.reviews.services._review_request_email": a_review_request,
    "shop.payments.invoices.services._email": an_invoice,
    "shop.payments.invoices.services._email_credit_note": a_credit_note,
    "sellers.services._invite_email_send": a_team_invite,
    "shop.accounts.services.adapter.AccountAdapter.send_mail": an_allauth_email,
}


def senders_in_the_code() -> set[str]:
    found = set()
    for folder in APP_FOLDERS:
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            module = ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts).removesuffix(".__init__")
            if module in MAILER_MODULES:
                continue
            tree = ast.parse(path.read_text())
            for scope in ast.walk(tree):
                body = getattr(scope, "body", None)
                if not isinstance(body, list):
                    continue
                for function in body:
                    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                        continue
                    calls = {
                        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                        for node in ast.walk(function)
                        if isinstance(node, ast.Call)
                    }
                    if calls & MAILERS:
                        owner = f".{scope.name}" if isinstance(scope, ast.ClassDef) else ""
                        found.add(f"{module}{owner}.{function.name}")
    return found


def test_every_function_that_sends_mail_is_covered_here():
    assert senders_in_the_code() == set(SENDERS)


@pytest.mark.parametrize("sender", sorted(SENDERS))
def test_every_link_in_every_email_is_absolute_on_the_site(sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        expected = SENDERS[sender]()
    assert_links_absolute_on_the_site(mail.outbox)
    if expected:  # the email points at the page it is about
        assert any(link.startswith(SITE + expected) for message in mail.outbox for link in links_in(message))


def allauth_emails() -> list[str]:
    """Every email template allauth has, account's and the second factor's."""
    import allauth

    folder = Path(allauth.__file__).parent / "templates"
    return sorted(
        str(path.relative_to(folder)).removesuffix("_subject.txt")
        for path in folder.glob("*/email/*_subject.txt")
        if not path.parent.parent.name.startswith("socialaccount")
    )


@pytest.mark.parametrize("template_prefix", allauth_emails())
def test_allauth_emails_name_soko_and_link_to_the_site(template_prefix):
    get_template(f"{template_prefix}_message.txt")  # the walk found real templates
    request = RequestFactory().get("/", HTTP_HOST=REQUEST_HOST)
    user = UserFactory(email="bea@example.test")
    context = {
        "user": user,
        "code": "ABCD-EFGH",
        "activate_url": request.build_absolute_uri("/accounts/confirm-email/KEY/"),
        "password_reset_url": request.build_absolute_uri("/accounts/password/reset/key/1-KEY/"),
        "signup_url": request.build_absolute_uri(reverse("account_signup")),
        "username": user.email,
        "from_email": "old@example.test",
        "to_email": user.email,
        "deleted_email": "old@example.test",
        "ip": "10.0.0.1",
        "user_agent": "Firefox",
        "timestamp": timezone.now(),
    }
    with allauth_context.request_context(request):
        get_adapter(request).send_mail(template_prefix, user.email, context)

    [message] = mail.outbox
    assert message.subject.startswith(f"{settings.SOKO_SITE_NAME}: ")
    assert_links_absolute_on_the_site([message])
    assert f"Hello from {settings.SOKO_SITE_NAME}!" in message.body
    assert f"Thank you for using {settings.SOKO_SITE_NAME}!\nsoko.example" in message.body
