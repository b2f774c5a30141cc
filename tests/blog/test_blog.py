"""Store blogs: the text is sanitised when saved; drafts are the store team's only; another
store's team cannot touch a post; a post shows its own store's products on sale; published
posts list on /blog/, the store's page and (featured by staff, logged) the home page; the
sitemap lists what is published; the page carries BlogPosting data and reads a fixed number
of queries."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.blog.models import Post
from shop.blog.services import PostInput, PostInvalid, body_clean, post_feature, post_publish, post_save, post_unpublish
from shop.catalog.models import Product
from shop.moderation.models import LogEntry
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts")


@pytest.fixture
def owner(store):
    return store.memberships.get().user


def write(store, owner, *, title="New baskets are in", body="Fresh from Kisii.\n\nCome and see.", products=(), publish=True):
    post = post_save(store=store, user=owner, data=PostInput(title=title, body=body, products=list(products)))
    return post_publish(post=post) if publish else post


@pytest.mark.parametrize(
    ("typed", "kept", "gone"),
    [
        ("<p>Hi <script>alert(1)</script></p>", "<p>Hi </p>", "script"),
        ('<p><img src=x onerror="alert(1)">x</p>', "<p>x</p>", "onerror"),
        ('<a href="javascript:alert(1)">go</a>', "<a rel=\"nofollow noopener ugc\">go</a>", "javascript"),
        ('<p style="color:red" onclick="x()">red</p>', "<p>red</p>", "style"),
        ('<h2>Title</h2><ul><li><strong>a</strong></li></ul>', "<h2>Title</h2><ul><li><strong>a</strong></li></ul>", "<div"),
        ('<a href="https://example.com" title="t">link</a>', 'href="https://example.com"', "target"),
    ],
)
def test_the_body_keeps_only_the_allowed_tags(typed, kept, gone):
    clean = body_clean(typed)
    assert kept in clean and gone not in clean, clean


def test_plain_text_becomes_paragraphs_with_its_markup_escaped():
    assert body_clean("One & two\n\nThree <3") == "<p>One &amp; two</p>\n\n<p>Three &lt;3</p>"


def test_an_empty_body_or_another_stores_product_is_refused(store, owner):
    with pytest.raises(PostInvalid, match="Write something"):
        post_save(store=store, user=owner, data=PostInput(title="x", body="<script>x</script>"))
    other = ProductFactory(store=StoreFactory())
    with pytest.raises(PostInvalid, match="this store's own products"):
        post_save(store=store, user=owner, data=PostInput(title="x", body="words", products=[other]))
    assert not Post.objects.exists()


def test_a_draft_is_the_store_teams_only(client, store, owner):
    post = write(store, owner, publish=False)
    assert client.get(f"/blog/{post.slug}/").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/blog/{post.slug}/").status_code == 404
    client.force_login(owner)
    page = client.get(f"/blog/{post.slug}/")
    assert page.status_code == 200 and 'data-testid="post-draft"' in page.text and 'name="robots" content="noindex"' in page.text
    assert "application/ld+json" not in page.text
    assert "New baskets are in" not in client.get("/blog/").text


def test_a_published_post_shows_its_stores_products_on_sale_and_its_data(client, store, owner):
    on_sale = ProductFactory(store=store, title="Sisal basket")
    archived = ProductFactory(store=store, title="Old mat")
    post = write(store, owner, products=[on_sale, archived])
    Product.objects.filter(pk=archived.pk).update(status=Product.Status.ARCHIVED)
    page = client.get(f"/blog/{post.slug}/").text
    assert "Sisal basket" in page and "Old mat" not in page
    assert "<p>Fresh from Kisii.</p>" in page and 'data-testid="post-store"' in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "BlogPosting" and data["headline"] == "New baskets are in"
    assert data["author"]["name"] == "Mama Njeri Crafts" and data["datePublished"] and data["url"].endswith(f"/blog/{post.slug}/")
    assert '<meta property="og:type" content="article">' in page


def test_the_list_shows_published_posts_newest_first_and_the_store_page_its_own(client, store, owner):
    first = write(store, owner, title="First post")
    Post.objects.filter(pk=first.pk).update(published_at=timezone.now() - timezone.timedelta(days=2))
    write(store, owner, title="Second post")
    write(store, owner, title="Not yet", publish=False)
    write(StoreFactory(), UserFactory(), title="Elsewhere")  # another store's post, by someone not on it: still listed
    page = client.get("/blog/").text
    assert page.index("Second post") < page.index("First post") and "Not yet" not in page and "Elsewhere" in page
    store_page = client.get(f"/s/{store.slug}/").text
    assert 'data-testid="store-posts"' in store_page and "Second post" in store_page and "Elsewhere" not in store_page


def test_another_stores_team_cannot_edit_publish_or_delete(client, store, owner):
    post = write(store, owner, publish=False)
    stranger = StoreFactory().memberships.get().user
    client.force_login(stranger)
    assert client.get(f"/dashboard/blog/{post.pk}/").status_code == 404
    for action in ("publish", "unpublish", "delete"):
        assert client.post(f"/dashboard/blog/{post.pk}/{action}/").status_code == 404
    assert client.post(f"/dashboard/blog/{post.pk}/", {"title": "Mine now", "body": "x"}).status_code == 404
    post.refresh_from_db()
    assert (post.title, post.status) == ("New baskets are in", Post.Status.DRAFT)


def test_the_dashboard_writes_publishes_and_unpublishes(client, store, owner):
    basket = ProductFactory(store=store, title="Sisal basket")
    other = ProductFactory(store=StoreFactory(), title="Not ours")
    client.force_login(owner)
    assert client.get("/dashboard/blog/").status_code == 200
    refused = client.post("/dashboard/blog/new/", {"title": "Hello", "body": "Words", "products": [other.pk]})
    assert refused.status_code == 422 and "Choose products of this store only." in refused.text
    empty = client.post("/dashboard/blog/new/", {"title": "", "body": ""})
    assert empty.status_code == 422 and "Give the post a title." in empty.text
    done = client.post("/dashboard/blog/new/", {"title": "Hello", "body": "Words", "products": [basket.pk], "publish": "1"})
    assert done.status_code == 302
    post = Post.objects.get()
    assert (post.status, list(post.products.all()), post.author) == (Post.Status.PUBLISHED, [basket], owner)
    first_published = post.published_at
    client.post(f"/dashboard/blog/{post.pk}/unpublish/")
    client.post(f"/dashboard/blog/{post.pk}/publish/")
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED and post.published_at == first_published
    client.post(f"/dashboard/blog/{post.pk}/delete/")
    assert not Post.objects.exists()


def test_staff_feature_a_published_post_on_the_home_page_once_logged(client, store, owner):
    staff = UserFactory(is_staff=True)
    draft = write(store, owner, title="Draft", publish=False)
    assert post_feature(post=draft, on=True, actor=staff) is False
    post = write(store, owner, title="Weaving week")
    assert post_feature(post=post, on=True, actor=staff) and not post_feature(post=post, on=True, actor=staff)
    home = client.get("/").text
    assert 'data-testid="featured-posts"' in home and "Weaving week" in home
    post_unpublish(post=post, actor=staff)
    assert "Weaving week" not in client.get("/").text  # the cached home page moved on
    actions = list(LogEntry.objects.filter(actor=staff).values_list("action", flat=True).order_by("pk"))
    assert actions == ["post_featured", "post_unpublished"]


def test_the_sitemap_lists_published_posts_only(client, store, owner):
    published = write(store, owner, title="Published")
    draft = write(store, owner, title="Draft", publish=False)
    xml = client.get("/sitemap-blog.xml").text
    assert f"/blog/{published.slug}/" in xml and f"/blog/{draft.slug}/" not in xml
    assert "hreflang" in xml


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_list_and_a_post_read_the_same_queries_for_few_or_many(client, store, owner):
    products = [ProductFactory(store=store) for _ in range(2)]
    for number in range(3):
        write(store, owner, title=f"Post {number}")
    post = write(store, owner, title="With products", products=products)
    few_list, few_post = queries(client, "/blog/"), queries(client, f"/blog/{post.slug}/")
    for number in range(25):
        write(store, owner, title=f"More {number}")
    post.products.add(*[ProductFactory(store=store) for _ in range(8)])
    assert queries(client, "/blog/") == few_list
    assert queries(client, f"/blog/{post.slug}/") == few_post
    second = client.get("/blog/?page=2", headers={"HX-Request": "true"}).text
    assert second.lstrip().startswith('<div id="posts">') and second.count('data-testid="post-card"') == 12


def test_unknown_addresses_are_404_not_500(client):
    assert client.get("/blog/nope/").status_code == 404
    assert client.get("/blog/?page=abc").status_code == 200


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Fresh from <strong>Kisii</strong>.\n\nCome and see.", "<p>Fresh from <strong>Kisii</strong>.</p>\n\n<p>Come and see.</p>"),
        ("<h2>New in</h2>\n\nBaskets,\nbags.\r\n\r\n<ul><li>one</li></ul>\n\nBye", "<h2>New in</h2>\n\n<p>Baskets,<br>\nbags.</p>\n\n<ul><li>one</li></ul>\n\n<p>Bye</p>"),
        ("<p>Already</p>\n\n<p>paragraphs</p>", "<p>Already</p>\n\n<p>paragraphs</p>"),
    ],
)
def test_blank_lines_still_make_paragraphs_around_the_toolbars_tags(typed, kept):
    assert body_clean(typed) == kept
