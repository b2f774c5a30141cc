import pytest
from pytest_django.asserts import assertTemplateUsed

pytestmark = pytest.mark.django_db


def test_visitor_following_a_broken_link_gets_the_styled_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")
    page = response.content.decode()
    assert "We couldn't find that page" in page
    assert 'class="navbar' in page  # inside the site frame, not Django's bare page


def test_logged_in_buyer_following_a_broken_link_still_sees_their_navbar(client, user):
    client.force_login(user)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert 'data-testid="bell"' in response.content.decode()


def test_server_error_page_renders_without_touching_the_database(rf, django_assert_num_queries):
    from shop.core.views import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
