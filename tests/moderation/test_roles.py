"""Staff roles: the groups and their permissions come from one place, a sync that can run
again, and each role reaches its own pages only."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from shop.moderation.models import Export, LogEntry
from shop.moderation.services import roles
from shop.moderation.services.roles import FINANCE, MODERATORS, ROLES, SUPPORT, roles_sync
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.services import Line
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _held(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def staff_in(role: str, **extra):
    user = UserFactory(is_staff=True, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_migrate_leaves_the_groups_and_the_sync_can_run_again():
    # The post_migrate receiver made them when the test database was migrated.
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)

    call_command("sync_roles")
    first = {name: _held(Group.objects.get(name=name)) for name in ROLES}
    call_command("sync_roles")
    assert Group.objects.filter(name__in=ROLES).count() == 3
    for name, names in ROLES.items():
        assert first[name] == set(names) == _held(Group.objects.get(name=name))


def test_migrating_gives_each_group_every_permission_of_its_role():
    # Apps installed after moderation (promotions, the API) have their permissions by then too.
    for name, names in ROLES.items():
        assert _held(Group.objects.get(name=name)) == set(names), name


def test_the_sync_takes_away_what_was_added_by_hand():
    moderators = Group.objects.get(name=MODERATORS)
    moderators.permissions.add(Permission.objects.get(codename="export_finance"))
    assert "moderation.export_finance" in _held(moderators)
    roles_sync()
    assert "moderation.export_finance" not in _held(moderators)


def test_each_role_carries_its_own_powers():
    moderators, support, finance = (set(ROLES[name]) for name in (MODERATORS, SUPPORT, FINANCE))
    assert {"moderation.decide_case", "moderation.act_on_account", "moderation.resolve_complaint", "catalog.change_product"} <= moderators
    assert {"orders.view_order", "orders.change_order", "returns.view_returnrequest", "payments.view_refund"} <= support
    assert "moderation.refund_over_limit" not in support
    assert {"payments.view_ledgertransaction", "payments.view_payout", "payments.change_paymentflag"} <= finance
    assert {"moderation.export_finance", "moderation.refund_over_limit"} <= finance
    # Finance only exports the ledger and payouts; personal data is nobody's by role.
    assert not any("export_finance" in name for name in moderators | support)
    assert not any("export_personal" in name for name in moderators | support | finance)


def test_a_misspelt_permission_stops_the_command(monkeypatch):
    monkeypatch.setitem(roles.ROLES, SUPPORT, [*ROLES[SUPPORT], "orders.fly_order"])
    with pytest.raises(CommandError, match="orders.fly_order"):
        call_command("sync_roles")


def test_a_moderator_gets_403_on_the_ledger_and_payouts_and_finance_reads_them(client):
    ledger.post(kind="capture", key="k1", lines=[Line("provider:mpesa", "KES", 500), Line(accounts.FEES, "KES", -500)])
    pages = [
        "/admin/payments/ledgertransaction/",
        "/admin/payments/ledgeraccount/",
        "/admin/payments/payout/",
        "/admin/payments/paymentflag/reconciliation/",
    ]
    client.force_login(staff_in(MODERATORS))
    for page in pages:
        assert client.get(page).status_code == 403, page
    assert client.get("/admin/moderation/export/add/").status_code == 200

    client.force_login(staff_in(FINANCE))
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_a_moderator_gets_403_asking_for_the_ledger_export_and_finance_gets_it(client):
    form = {"kind": "ledger", "format": "csv", "date_from": "2026-01-01", "date_to": "2026-01-31"}
    client.force_login(staff_in(MODERATORS))
    assert client.post("/admin/moderation/export/add/", form).status_code == 403
    assert client.post("/admin/moderation/export/add/", {**form, "kind": "payouts"}).status_code == 403
    assert not Export.objects.exists()
    # The form does not even offer it.
    page = client.get("/admin/moderation/export/add/").content.decode()
    assert 'value="reports"' in page and 'value="ledger"' not in page

    finance = staff_in(FINANCE)
    client.force_login(finance)
    assert client.post("/admin/moderation/export/add/", form).status_code == 302
    export = Export.objects.get()
    assert (export.kind, export.requested_by, export.date_from) == ("ledger", finance, date(2026, 1, 1))
    assert LogEntry.objects.filter(action=LogEntry.Action.EXPORT, target_id=export.pk, actor=finance).count() == 1


def test_staff_without_a_role_cannot_export_anything(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/moderation/export/add/").status_code == 403
    form = {"kind": "orders", "format": "csv", "date_from": "2026-01-01", "date_to": "2026-01-31"}
    assert client.post("/admin/moderation/export/add/", form).status_code == 403
    assert not Export.objects.exists()


def test_the_demo_has_one_staff_member_in_each_role_and_seeding_again_changes_nothing():
    from shop.demo.services.accounts import DEMO_PASSWORD, DEMO_STAFF, _staff_roles

    _staff_roles()
    _staff_roles()
    for email, _name, role in DEMO_STAFF:
        user = get_user_model().objects.get(email=email)
        assert user.is_staff and not user.is_superuser and user.check_password(DEMO_PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [role]
    finance = get_user_model().objects.get(email="finance@soko.test")
    assert finance.has_perm("moderation.export_finance") and not finance.has_perm("moderation.export_personal")
    assert not get_user_model().objects.get(email="moderator@soko.test").has_perm("payments.view_ledgertransaction")
