"""The staff permission matrix: what each role may do on every model of the admin, as the
admin itself answers (its ``has_*_permission`` and the actions it offers), derived from
``ROLES`` and the admin's registry, is README's table; every model is reached by a role or
is kept for superusers with a reason; and the courier operations work, through the admin,
for the roles the matrix grants them to and are refused to the others."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse

from couriers.models import CourierProfile, Remittance
from shop.moderation.selectors.queue import KINDS as QUEUE_KINDS
from shop.moderation.services.roles import FINANCE, MODERATORS, ROLES, SUPERUSER_ONLY, SUPPORT
from shop.payments.models import LedgerTransaction
from tests.factories import CourierProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

README = Path(django_settings.BASE_DIR) / "README.md"
START, END = "<!-- staff-permissions:start -->", "<!-- staff-permissions:end -->"
RIGHTS = ("view", "add", "change", "delete")


def staff_in(role: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def _cell(model, model_admin, user) -> str:
    """What ``user`` may do on ``model`` in the admin: its rights, then the actions it is
    offered, then the model's own permissions it holds."""
    request = RequestFactory().get("/admin/")
    request.user = user
    rights = [right for right in RIGHTS if getattr(model_admin, f"has_{right}_permission")(request)]
    # Actions are offered on the list, which opens only to those who may view or change.
    actions = sorted(name for name in model_admin.get_actions(request) if name != "delete_selected") if rights else []
    own = sorted(codename for codename, _ in model._meta.permissions if user.has_perm(f"{model._meta.app_label}.{codename}"))
    parts = [", ".join(rights)] if rights else []
    if actions:
        parts.append("actions: " + ", ".join(actions))
    if own:
        parts.append("may: " + ", ".join(own))
    return "; ".join(parts) or "—"


def derived_table() -> str:
    """README's table, as ``ROLES`` and the admin registry make it now."""
    people = {role: staff_in(role) for role in ROLES}
    lines = ["| model | " + " | ".join(ROLES) + " | superusers only, because |", "|---" * (len(ROLES) + 2) + "|"]
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower):
        label = model._meta.label_lower
        cells = [_cell(model, model_admin, person) for person in people.values()]
        lines.append(f"| `{label}` | " + " | ".join(cells) + f" | {SUPERUSER_ONLY.get(label, '')} |")
    return "\n".join(lines)


def readme_table() -> str:
    text = README.read_text()
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README.md has no {START} … {END} section"
    return found.group(1).strip()


def test_readme_table_is_the_matrix_the_roles_and_the_admin_make():
    derived = derived_table()
    assert readme_table() == derived, "README.md's staff permission table is out of date; it should read:\n\n" + derived


def test_every_admin_model_is_reached_by_a_role_or_kept_for_superusers_with_a_reason():
    people = [staff_in(role) for role in ROLES]
    request = RequestFactory().get("/admin/")
    reached, registered = set(), set()
    for model, model_admin in admin.site._registry.items():
        registered.add(model._meta.label_lower)
        for person in people:
            request.user = person
            if model_admin.has_view_permission(request) or model_admin.has_change_permission(request):
                reached.add(model._meta.label_lower)
    assert set(SUPERUSER_ONLY) <= registered, set(SUPERUSER_ONLY) - registered
    assert not reached & set(SUPERUSER_ONLY), reached & set(SUPERUSER_ONLY)
    assert registered - set(SUPERUSER_ONLY) == reached, (registered - set(SUPERUSER_ONLY)) - reached
    assert all(SUPERUSER_ONLY.values())


def test_every_kind_of_the_staff_queue_reaches_a_role():
    unreached = [kind.key for kind in QUEUE_KINDS.values() if not any(kind.permission in held for held in ROLES.values())]
    assert unreached == []


def test_every_soko_admin_action_names_the_permission_it_needs():
    # Django offers an action that names none to everyone who may open the list.
    unguarded = [
        f"{model._meta.label_lower}.{name}"
        for model, model_admin in admin.site._registry.items()
        if type(model_admin).__module__.startswith(("shop.", "sellers.", "couriers.", "returns."))
        for function, name, _description in model_admin._get_base_actions()
        if name != "delete_selected" and not getattr(function, "allowed_permissions", ())
    ]
    assert unguarded == []


# --- Courier operations through the admin ------------------------------------------------------


def _approve(client, profile):
    return client.post(
        reverse("admin:couriers_courierprofile_changelist"), {"action": "approve", "_selected_action": [profile.pk]}
    )


def test_a_moderator_approves_a_courier_and_support_and_finance_cannot():
    profile = CourierProfileFactory()
    for role in (SUPPORT, FINANCE):
        client = Client()
        client.force_login(staff_in(role))
        assert client.get(reverse("admin:couriers_courierprofile_change", args=[profile.pk])).status_code == 200, role
        page = client.get(reverse("admin:couriers_courierprofile_changelist"))
        assert page.status_code == 200 and 'value="approve"' not in page.content.decode(), role
        _approve(client, profile)
        profile.refresh_from_db()
        assert profile.status == CourierProfile.Status.PENDING, role

    moderator = staff_in(MODERATORS)
    client = Client()
    client.force_login(moderator)
    assert 'value="approve"' in client.get(reverse("admin:couriers_courierprofile_changelist")).content.decode()
    assert _approve(client, profile).status_code == 302
    profile.refresh_from_db()
    assert (profile.status, profile.reviewed_by) == (CourierProfile.Status.APPROVED, moderator)


def test_finance_records_a_courier_hand_in_and_moderators_and_support_get_403(client):
    courier = CourierProfileFactory(status=CourierProfile.Status.APPROVED).user
    add = reverse("admin:couriers_remittance_add")
    form = {"courier": courier.pk, "currency": "KES", "amount": "11600.00", "commission_kept": "0", "note": "Week 47"}
    for role in (MODERATORS, SUPPORT):
        client.force_login(staff_in(role))
        assert client.get(add).status_code == 403, role
        assert client.post(add, form).status_code == 403, role
        assert client.get(reverse("admin:couriers_remittance_changelist")).status_code == 403, role
    assert not Remittance.objects.exists()

    finance = staff_in(FINANCE)
    client.force_login(finance)
    assert client.get(add).status_code == 200
    # The courier is chosen by searching accounts (the form's autocomplete).
    search = client.get(
        reverse("admin:autocomplete"),
        {"term": courier.email, "app_label": "couriers", "model_name": "remittance", "field_name": "courier"},
    )
    assert search.status_code == 200 and str(courier.pk) in search.content.decode()
    # Only a courier hands cash in.
    shopper = UserFactory()
    refused = client.post(add, {**form, "courier": shopper.pk})
    assert refused.status_code == 200 and not Remittance.objects.exists()
    assert client.post(add, form).status_code == 302
    remittance = Remittance.objects.get()
    assert (remittance.courier, remittance.amount, remittance.recorded_by) == (courier, Decimal("11600.00"), finance)
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REMITTANCE).count() == 1
    # A recorded hand-in is not edited or deleted: a correcting one is recorded instead.
    change = reverse("admin:couriers_remittance_change", args=[remittance.pk])
    assert client.post(change, {**form, "amount": "1.00"}).status_code in (302, 403)
    remittance.refresh_from_db()
    assert remittance.amount == Decimal("11600.00")
    assert client.post(reverse("admin:couriers_remittance_delete", args=[remittance.pk]), {"post": "yes"}).status_code == 403


def test_support_reads_delivery_jobs_and_moderators_do_not(client):
    page = reverse("admin:couriers_deliveryjob_changelist")
    client.force_login(staff_in(SUPPORT))
    assert client.get(page).status_code == 200
    assert client.get(reverse("admin:couriers_scanevent_changelist")).status_code == 200
    client.force_login(staff_in(FINANCE))
    assert client.get(page).status_code == 200
    client.force_login(staff_in(MODERATORS))
    assert client.get(page).status_code == 403
