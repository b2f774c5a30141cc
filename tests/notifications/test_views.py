import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_buyer_sees_only_their_own_notifications(client, user):
    NotificationFactory(user=user, text="Your order #1042 was confirmed")
    NotificationFactory(user=UserFactory(), text="Someone else's parcel arrived")
    client.force_login(user)

    response = client.get("/notifications/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your order #1042 was confirmed" in page
    assert "Someone else" not in page
    assert [n.text for n in response.context["page"].object_list] == ["Your order #1042 was confirmed"]


def test_anonymous_visitor_opening_notifications_is_sent_to_log_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_marking_one_read_with_htmx_returns_only_the_list_fragment(client, user):
    notification = NotificationFactory(user=user, text="Your parcel is at the door")
    other_unread = NotificationFactory(user=user)
    client.force_login(user)

    response = client.post(f"/notifications/{notification.pk}/read/", headers=HTMX)

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="notification-list"')
    assert "<html" not in fragment and "<nav" not in fragment
    assert "Your parcel is at the door" in fragment
    assert "HX-Request" in response["Vary"]
    notification.refresh_from_db()
    other_unread.refresh_from_db()
    assert notification.read_at is not None
    assert other_unread.read_at is None


def test_marking_one_read_without_htmx_goes_back_to_the_list(client, user):
    notification = NotificationFactory(user=user)
    client.force_login(user)

    response = client.post(f"/notifications/{notification.pk}/read/")

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.is_read


def test_full_list_and_htmx_list_say_they_vary_on_hx_request(client, user):
    client.force_login(user)

    full = client.get("/notifications/")
    fragment = client.get("/notifications/", headers=HTMX)

    assert "HX-Request" in full["Vary"] and "HX-Request" in fragment["Vary"]
    assert "<html" in full.content.decode()
    assert "<html" not in fragment.content.decode()


def test_marking_all_read_marks_only_the_buyers_own(client, user):
    mine = NotificationFactory.create_batch(3, user=user)
    theirs = NotificationFactory(user=UserFactory())
    client.force_login(user)

    client.post("/notifications/read/", headers=HTMX)

    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_someone_elses_notification_read_is_not_found(client, user):
    theirs = NotificationFactory(user=UserFactory())
    client.force_login(user)

    response = client.post(f"/notifications/{theirs.pk}/read/", headers=HTMX)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_refuses_a_plain_get(client, user):
    notification = NotificationFactory(user=user)
    client.force_login(user)

    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_opening_someone_elses_notification_is_not_found(client, user):
    theirs = NotificationFactory(user=UserFactory(), url="/courier/")
    client.force_login(user)

    response = client.get(f"/notifications/{theirs.pk}/open/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_follows_its_link_and_marks_it_read(client, user):
    notification = NotificationFactory(user=user, url="/courier/")
    client.force_login(user)

    response = client.get(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/courier/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example/phish", ""])
def test_opening_a_notification_never_leaves_soko(client, user, url):
    notification = NotificationFactory(user=user, url=url)
    client.force_login(user)

    response = client.get(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.is_read


def test_every_page_shows_the_unread_count_on_the_bell(client, user):
    NotificationFactory.create_batch(2, user=user)
    read = NotificationFactory(user=user)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    NotificationFactory(user=UserFactory())
    client.force_login(user)

    response = client.get("/")

    assert response.context["unread_notifications"] == 2
    assert 'id="bell-count"' in response.content.decode()
    assert 'data-count="2"' in response.content.decode()


def test_bell_count_endpoint_returns_the_badge_alone(client, user):
    NotificationFactory.create_batch(4, user=user)
    client.force_login(user)

    response = client.get("/notifications/count/")

    fragment = response.content.decode()
    assert fragment.startswith('<span id="bell-count"')
    assert 'data-count="4"' in fragment


def _list_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/")
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def test_notification_list_costs_the_same_few_queries_for_3_or_30(client, user, django_assert_max_num_queries):
    client.force_login(user)
    NotificationFactory.create_batch(3, user=user)
    with_three = _list_queries(client)
    NotificationFactory.create_batch(27, user=user)

    # 9: the navbar's unread messages count is one of them.
    with django_assert_max_num_queries(9):
        response = client.get("/notifications/")

    assert len(response.context["page"].object_list) == 20
    assert len(_list_queries(client)) == len(with_three)
