"""Public pictures: served with nosniff and a long cache from MEDIA_ROOT when this process
serves them; anything else under that address (a climb out, originals, other file types,
a name too long for the file system) is a 404, never a 500."""

import pytest

from tests.core.test_deploy_settings import manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "images" / "renditions").mkdir(parents=True)
    (settings.MEDIA_ROOT / "images" / "renditions" / "abc-160.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    (settings.MEDIA_ROOT / "notes.html").write_text("<script>alert(1)</script>")
    private = tmp_path / "media-private"
    private.mkdir()
    (private / "original.jpg").write_bytes(b"\xff\xd8\xff")
    return settings.MEDIA_ROOT


def test_a_rendition_is_served_with_nosniff_and_a_long_cache(client, media):
    response = client.get("/media/images/renditions/abc-160.webp")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"RIFF")


@pytest.mark.parametrize(
    "path",
    [
        "/media/../media-private/original.jpg",
        "/media/%2e%2e/media-private/original.jpg",
        "/media/notes.html",
        "/media/" + "x" * 5000 + ".webp",
        "/media/images/renditions/missing.webp",
        "/media/images/renditions/",
    ],
)
def test_anything_but_a_public_picture_is_a_404(client, media, path):
    assert client.get(path).status_code == 404


def test_production_serves_media_from_the_configured_origin_and_not_from_the_app():
    script = "from django.conf import settings; print(settings.MEDIA_URL, settings.SOKO_SERVE_MEDIA)"
    production = {
        "DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com", "SOKO_SITE_URL": "https://shop.example.com",
    }

    separate = manage("shell", "--no-imports", "-c", script, SOKO_MEDIA_URL="https://media.example.com", **production)
    local = manage("shell", "--no-imports", "-c", script, **production)
    one_machine = manage("shell", "--no-imports", "-c", script, SOKO_SERVE_MEDIA="1", **production)

    assert separate.stdout.split() == ["https://media.example.com/", "False"], separate.stderr
    assert local.stdout.split() == ["/media/", "False"], local.stderr
    assert one_machine.stdout.split() == ["/media/", "True"], one_machine.stderr
