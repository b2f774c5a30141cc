import pytest
from django.core.management import call_command

from shop.blog.models import Post

pytestmark = pytest.mark.django_db


def test_the_demo_store_has_published_posts_with_products_one_featured_and_a_draft(demo, client):
    posts = Post.objects.filter(store__slug="mama-njeri-crafts")
    published = posts.filter(status=Post.Status.PUBLISHED)
    assert published.count() == 2 and posts.filter(status=Post.Status.DRAFT).count() == 1
    assert all(post.products.exists() for post in posts)
    featured = published.get(featured_at__isnull=False)
    assert featured.title in client.get("/").text

    call_command("seed_demo")  # twice: nothing more
    assert Post.objects.count() == 3
