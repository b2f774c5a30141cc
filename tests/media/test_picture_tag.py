import re

import pytest
from django.template import Context, Template, TemplateSyntaxError

from shop.media.services.images import image_store

from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db

SIZES = "(max-width: 600px) 100vw, 480px"


def render(image, arguments: str = f'sizes="{SIZES}" alt="Blue kikoi"') -> str:
    return Template("{% load media %}{% picture image " + arguments + " %}").render(Context({"image": image}))


def test_ready_picture_offers_webp_with_a_jpeg_fallback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(upload=upload("kikoi.jpg", picture_bytes(size=(1000, 750))))
    image.refresh_from_db()

    html = render(image)

    source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', html)
    assert source and source.group(1) == image.srcset("webp") and source.group(2) == SIZES
    assert source.group(1).endswith(" 1000w") and ".webp 160w" in source.group(1)
    img = re.search(r"<img [^>]+>", html).group(0)
    assert f'srcset="{image.srcset("jpeg")}"' in img and ".jpg 480w" in img
    assert 'width="1000" height="750"' in img
    assert 'alt="Blue kikoi"' in img and 'loading="lazy"' in img
    assert html.startswith("<picture>") and html.rstrip().endswith("</picture>")


def test_picture_being_prepared_shows_the_placeholder_at_its_final_size():
    image = image_store(upload=upload("kikoi.jpg", picture_bytes(size=(640, 480))))

    html = render(image, 'alt="Blue kikoi" class="rounded"')

    assert "<source" not in html
    assert 'src="/static/media/placeholder.svg"' in html and 'width="640" height="480"' in html
    assert 'class="rounded"' in html


def test_store_without_a_logo_shows_the_placeholder():
    assert 'src="/static/media/placeholder.svg"' in render(None)


def test_alt_text_is_escaped():
    html = Template('{% load media %}{% picture image alt=alt_text %}').render(
        Context({"image": None, "alt_text": '"><script>'})
    )
    assert "<script>" not in html and 'alt="&quot;&gt;&lt;script&gt;"' in html


def test_misspelt_option_is_reported():
    with pytest.raises(TemplateSyntaxError):
        render(None, 'lodaing="eager"')
