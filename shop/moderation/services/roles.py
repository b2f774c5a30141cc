"""Staff roles: the Django groups staff are put in, and what each may do, defined here only.

``manage.py sync_roles`` (run by ``seed_demo`` and after every ``migrate``) makes each group
hold exactly the permissions listed: the code is the source of truth, so a permission
added to a group by hand in the admin is taken away at the next sync. Give one person more
(say, ``moderation.export_personal``) on their own account instead. Superusers need no group.

- **Moderators**: the staff queue, cases and reports, take-downs, account actions and
  appeals (of accounts and of take-downs), complaints, blog posts (feature, unpublish);
  they read chat messages and auctions, and change products (approval), stores (the
  verified badge), reviews (hide, show again), non-paying bidders' blocks (lifting one) and
  courier profiles (approving a courier).
- **Support**: orders, returns and complaints; refunds up to the support limit (not
  ``refund_over_limit``); they read payments, delivery jobs, their scans, couriers and
  their ratings, promo codes and loyalty points.
- **Finance**: the ledger, reconciliation (payment flags), payouts, refunds and payments
  given back, the transfers out of the stablecoin escrow; the cash couriers hand in (recording a hand-in); they export the ledger and
  payouts and may refund over the support limit.

Every group may request exports of what it can read; personal data in exports needs
``moderation.export_personal``, which no group carries. Every model in the admin is
reached by a role, or is in ``SUPERUSER_ONLY`` with the reason; README's "Staff roles and
permissions" table is this file as the admin applies it (a test compares the two).
"""

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

MODERATORS, SUPPORT, FINANCE = "Moderators", "Support", "Finance"

_EXPORTS = ["moderation.view_export", "moderation.add_export"]
# Moderators and support both work on complaints.
_COMPLAINTS = [
    "moderation.view_complaint",
    "moderation.change_complaint",
    "moderation.resolve_complaint",
    "moderation.view_complaintmessage",
    "moderation.add_complaintmessage",
    "moderation.view_complaintphoto",
]
# Every role looks couriers up (approving them, their jobs, their cash).
_COURIERS = ["couriers.view_courierprofile"]

# Group name -> "app_label.codename" of every permission its members have.
ROLES: dict[str, list[str]] = {
    MODERATORS: [
        "moderation.view_case",
        "moderation.change_case",
        "moderation.decide_case",
        "moderation.view_report",
        "moderation.change_report",
        "moderation.view_takedown",
        "moderation.view_logentry",
        "moderation.view_accountaction",
        "moderation.add_accountaction",
        "moderation.act_on_account",
        "moderation.view_appeal",
        "moderation.change_appeal",
        *_COMPLAINTS,
        "accounts.view_user",
        "catalog.view_product",
        "catalog.change_product",
        "sellers.view_store",
        "sellers.change_store",
        "reviews.view_review",
        "reviews.change_review",
        "reviews.view_reviewreport",
        "reviews.view_buyerfeedback",
        "chat.view_message",
        "chat.view_report",
        "auctions.view_auction",
        "auctions.view_biddingblock",
        "auctions.change_biddingblock",
        "auctions.view_paymentviolation",
        "auctions.view_secondchanceoffer",
        "blog.view_post",
        "blog.change_post",
        *_COURIERS,
        "couriers.change_courierprofile",
        "couriers.view_courierrating",
        *_EXPORTS,
    ],
    SUPPORT: [
        "orders.view_order",
        "orders.change_order",
        "orders.view_checkout",
        "returns.view_returnrequest",
        "returns.change_returnrequest",
        "payments.view_paymentattempt",
        "payments.view_refund",
        *_COMPLAINTS,
        "moderation.view_logentry",
        "accounts.view_user",
        "sellers.view_store",
        "catalog.view_product",
        *_COURIERS,
        "couriers.view_deliveryjob",
        "couriers.view_scanevent",
        "couriers.view_courierrating",
        "promotions.view_promocode",
        "promotions.view_promoredemption",
        "promotions.view_loyaltyentry",
        *_EXPORTS,
    ],
    FINANCE: [
        "payments.view_ledgeraccount",
        "payments.view_ledgertransaction",
        "payments.view_ledgerentry",
        "payments.view_payout",
        "payments.view_paymentflag",
        "payments.change_paymentflag",
        "payments.view_paymentattempt",
        "payments.view_providerevent",
        "payments.view_refund",
        "payments.change_refund",
        "payments.view_connectedaccount",
        "payments.view_invoice",
        "payments.view_suspenserefund",
        "payments.add_suspenserefund",
        "payments.change_suspenserefund",
        "chain.view_escrowtransfer",
        "orders.view_order",
        "orders.view_checkout",
        "sellers.view_store",
        # Choosing the courier of a hand-in searches accounts.
        "accounts.view_user",
        *_COURIERS,
        "couriers.view_deliveryjob",
        "couriers.view_remittance",
        "couriers.add_remittance",
        "moderation.view_logentry",
        "moderation.refund_over_limit",
        "moderation.export_finance",
        *_EXPORTS,
    ],
}

# Models in the admin that no role reaches, and why: superusers only.
SUPERUSER_ONLY: dict[str, str] = {
    "account.emailaddress": "people's sign-in addresses: the person changes them",
    "auth.group": "the roles themselves: kept in this file by sync_roles",
    "mfa.authenticator": "second factors: secrets",
    "geo.area": "places: loaded by load_areas",
    "catalog.category": "the catalogue's tree: set up by the operator",
    "catalog.tag": "the catalogue's tags: set up by the operator",
    "notifications.notification": "people's inboxes",
    "auctions.proxybid": "bidders' secret maximums",
    "auctions.watch": "who watches what: no staff task reads it",
    "chat.block": "private conversations: a reported message reaches staff on its case",
    "chat.conversation": "private conversations: a reported message reaches staff on its case",
    "chat.offer": "private conversations: a reported message reaches staff on its case",
    "chat.quickreply": "a store's own reply templates",
    "promotions.sale": "stores run their own sales from the dashboard",
    "sellers.storeinvite": "a store's own invitations: its owners manage them",
    "media.renditionpin": "the pinning service's copies of published pictures: the operator's",
}


class RoleError(Exception):
    pass


def _permissions(names: list[str]) -> tuple[list[Permission], list[str]]:
    """The permissions called ``names``, and the names no permission answers to."""
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type"))
    known = {f"{permission.content_type.app_label}.{permission.codename}" for permission in found}
    return found, [name for name in names if name not in known]


@transaction.atomic
def roles_sync(*, strict: bool = True) -> dict[str, int]:
    """Create the groups of ``ROLES`` and give each exactly its permissions. Safe to run
    again. ``strict``: a permission that does not exist is an error (else it is skipped,
    as during a partial migration). Returns each group's permission count."""
    counts = {}
    for name, names in ROLES.items():
        permissions, missing = _permissions(names)
        if missing and strict:
            raise RoleError(f"{name}: no such permission: {', '.join(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts


def roles_sync_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver: acts on the signal of the last app with models (migrate signals
    app by app, in ``INSTALLED_APPS`` order, each after its permissions are made), so every
    app's permissions exist by then."""
    with_models = [config for config in django_apps.get_app_configs() if config.models_module is not None]
    if with_models and sender.label == with_models[-1].label:
        roles_sync(strict=False)
