"""The store's owner invites and removes staff; staff help run the store but cannot change the team."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from sellers.models import StoreInvite, StoreMember
from shop.notifications.models import Notification
from tests.factories import PASSWORD, StoreFactory, UserFactory
from tests.factories.stores import StoreInviteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts", owner=UserFactory(email="amina@example.test", display_name="Amina"))


@pytest.fixture
def owner(store):
    return store.memberships.get().user


def staff_of(store, **user_fields):
    user = UserFactory(**user_fields)
    StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.STAFF)
    return user


def invite_link(message) -> str:
    return re.search(re.escape(settings.SOKO_SITE_URL) + r"(/dashboard/join/[^/\s]+/)", message.body).group(1)


def test_someone_already_on_soko_is_invited_and_joins_only_by_accepting(
    client, store, owner, django_capture_on_commit_callbacks
):
    """Typing an account's email used to add it at once, naming it, and hand the person a
    dashboard of a store they never asked to join."""
    wanjiru = UserFactory(email="wanjiru@example.test", display_name="Wanjiru Kamau")
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboard/team/invite/", {"email": "Wanjiru@Example.test"}, follow=True)

    page = response.content.decode()
    assert "Invitation sent to wanjiru@example.test." in page
    assert "Wanjiru Kamau" not in page
    assert not StoreMember.objects.filter(store=store, user=wanjiru).exists()
    notification = Notification.objects.get(user=wanjiru)
    assert notification.text == "Amina invited you to join Mama Njeri Crafts as staff: accept or decline."
    assert notification.url.startswith("/dashboard/join/")
    assert [message.to for message in mail.outbox] == [["wanjiru@example.test"]]

    client.force_login(wanjiru)
    client.post(notification.url)

    assert StoreMember.objects.get(store=store, user=wanjiru).role == StoreMember.Role.STAFF


def test_the_owner_is_answered_the_same_for_a_known_and_an_unknown_address(client, store, owner):
    UserFactory(email="known@example.test", display_name="Known Person")
    client.force_login(owner)

    def answer(email: str):
        response = client.post("/dashboard/team/invite/", {"email": email}, follow=True)
        said = [str(message).replace(email, "EMAIL") for message in response.context["messages"]]
        rows = re.findall(r'<li class="list-group-item[^"]*"[^>]*>.*?</li>', response.content.decode(), flags=re.S)
        row = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", next(row for row in rows if email in row))
        return response.redirect_chain, said, re.sub(r"/\d+/", "/N/", row.replace(email, "EMAIL")), response.content.decode()

    known, unknown = answer("known@example.test"), answer("unknown@example.test")

    assert known[:3] == unknown[:3]
    assert known[1] == ["Invitation sent to EMAIL. They join once they accept."]
    assert "Known Person" not in known[3]


def test_the_invited_person_declines_and_the_owner_is_told(client, store, owner, django_capture_on_commit_callbacks):
    wanjiru = UserFactory(email="wanjiru@example.test")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/team/invite/", {"email": "wanjiru@example.test"})
    link = invite_link(mail.outbox[0])

    client.force_login(wanjiru)
    response = client.post(link, {"decline": "1"}, follow=True)

    assert "You declined the invitation to Mama Njeri Crafts." in response.content.decode()
    assert not StoreInvite.objects.exists()
    assert not StoreMember.objects.filter(user=wanjiru).exists()
    assert Notification.objects.filter(user=owner, text__contains="declined your invitation").exists()
    assert client.get(link).status_code == 404


def test_owner_invites_an_unknown_address_who_signs_up_from_the_emailed_link_and_joins(
    client, store, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/team/invite/", {"email": "kofi@example.test"})

    invite = StoreInvite.objects.get()
    assert invite.email == "kofi@example.test" and invite.accepted_at is None
    [message] = mail.outbox
    assert message.to == ["kofi@example.test"]
    assert message.subject == "Amina invited you to Mama Njeri Crafts on Soko"
    link = invite_link(message)
    assert invite.token_hash not in message.body  # only the token travels; the hash stays home

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Mama Njeri Crafts" in page.content.decode()
    assert f"/accounts/signup/?next={link}" in page.content.decode()

    signed_up = client.post(
        f"/accounts/signup/?next={link}",
        {"email": "kofi@example.test", "password1": PASSWORD, "password2": PASSWORD, "intent": "shop", "next": link},
    )
    assert signed_up["Location"] == "/accounts/confirm-email/"
    code = client.session["account_email_verification_code"]["code"]
    confirmed = client.post("/accounts/confirm-email/", {"code": code})
    assert confirmed["Location"] == link  # back to the invitation, now logged in
    assert 'data-testid="accept-invite"' in client.get(link).content.decode()
    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    kofi = StoreMember.objects.get(store=store, user__email="kofi@example.test")
    assert kofi.role == StoreMember.Role.STAFF
    invite.refresh_from_db()
    assert invite.accepted_by == kofi.user
    assert client.get(link).status_code == 404  # a used link is dead


def test_inviting_the_same_address_again_sends_a_fresh_link_and_the_old_one_stops_working(
    client, store, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/team/invite/", {"email": "kofi@example.test"})
        client.post("/dashboard/team/invite/", {"email": "kofi@example.test"})

    assert StoreInvite.objects.count() == 1
    first, second = (invite_link(message) for message in mail.outbox)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_an_invite_is_accepted_only_by_the_invited_address(client, store):
    StoreInviteFactory(store=store, email="kofi@example.test", token="secret-token")
    client.force_login(UserFactory(email="someone-else@example.test"))

    response = client.post("/dashboard/join/secret-token/", follow=True)

    assert "This invitation was sent to kofi@example.test" in response.content.decode()
    assert not StoreMember.objects.filter(user__email="someone-else@example.test").exists()


def test_an_expired_invite_cannot_be_accepted(client, store):
    StoreInviteFactory(
        store=store, email="kofi@example.test", token="old-token", expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(UserFactory(email="kofi@example.test"))

    assert "This invitation has expired" in client.get("/dashboard/join/old-token/").content.decode()
    client.post("/dashboard/join/old-token/")

    assert not StoreMember.objects.filter(user__email="kofi@example.test").exists()


def test_an_anonymous_visitor_accepting_is_sent_to_log_in_first(client, store):
    StoreInviteFactory(store=store, token="tok")

    response = client.post("/dashboard/join/tok/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/join/tok/"


def test_a_made_up_invite_link_is_not_found(client):
    assert client.get("/dashboard/join/not-a-real-token/").status_code == 404


def test_inviting_someone_already_on_the_team_says_so(client, store, owner):
    staff_of(store, email="kofi@example.test")
    client.force_login(owner)

    response = client.post("/dashboard/team/invite/", {"email": "kofi@example.test"})

    assert response.status_code == 200
    assert "kofi@example.test is already on your team." in response.content.decode()


def test_owner_removes_a_staff_member_who_is_told(client, store, owner):
    kofi = staff_of(store)
    member = StoreMember.objects.get(user=kofi)
    client.force_login(owner)

    response = client.post(f"/dashboard/team/{member.pk}/remove/")

    assert response.status_code == 302
    assert not StoreMember.objects.filter(pk=member.pk).exists()
    assert Notification.objects.get(user=kofi).text == "You are no longer on the team of Mama Njeri Crafts."
    client.force_login(kofi)
    assert client.get("/dashboard/").status_code == 403


def test_the_owner_cannot_be_removed(client, store, owner):
    client.force_login(owner)
    member = StoreMember.objects.get(user=owner)

    response = client.post(f"/dashboard/team/{member.pk}/remove/", follow=True)

    assert "The store&#x27;s owner cannot be removed from the team." in response.content.decode()
    assert StoreMember.objects.filter(pk=member.pk).exists()


def test_owner_withdraws_a_pending_invite(client, store, owner):
    invite = StoreInviteFactory(store=store, token="tok")
    client.force_login(owner)

    client.post(f"/dashboard/team/invites/{invite.pk}/cancel/")

    assert not StoreInvite.objects.exists()
    assert client.get("/dashboard/join/tok/").status_code == 404


def test_staff_see_the_team_but_cannot_invite_or_remove(client, store, owner):
    kofi = staff_of(store)
    other_staff = StoreMember.objects.get(user=staff_of(store))
    invite = StoreInviteFactory(store=store)
    client.force_login(kofi)

    page = client.get("/dashboard/team/")
    assert page.status_code == 200
    assert 'data-testid="invite-form"' not in page.content.decode()
    assert "/remove/" not in page.content.decode()

    assert client.post("/dashboard/team/invite/", {"email": "friend@example.test"}).status_code == 403
    assert client.post(f"/dashboard/team/{other_staff.pk}/remove/").status_code == 403
    assert client.post(f"/dashboard/team/invites/{invite.pk}/cancel/").status_code == 403
    assert StoreMember.objects.filter(store=store).count() == 3
    assert StoreInvite.objects.count() == 1
    assert not StoreInvite.objects.filter(email="friend@example.test").exists()


def test_an_owner_cannot_touch_another_store_team(client, owner):
    other = StoreFactory()
    their_staff = StoreMember.objects.get(user=staff_of(other))
    their_invite = StoreInviteFactory(store=other)
    client.force_login(owner)

    assert client.post(f"/dashboard/team/{their_staff.pk}/remove/").status_code == 404
    assert client.post(f"/dashboard/team/invites/{their_invite.pk}/cancel/").status_code == 404
    assert StoreMember.objects.filter(pk=their_staff.pk).exists()
    assert StoreInvite.objects.filter(pk=their_invite.pk).exists()
