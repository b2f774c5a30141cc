from django import template
from django.templatetags.static import static

from shop.media.models import PLACEHOLDER_PATH

register = template.Library()

DEFAULT_SIZES = "100vw"
LOADING_CHOICES = ("lazy", "eager")


@register.inclusion_tag("media/_picture.html")
def picture(image, *, sizes: str = DEFAULT_SIZES, alt: str = "", loading: str = "lazy", **attributes):
    """``{% picture image sizes="(max-width: 600px) 100vw, 480px" alt="Red kikoi" %}``

    WebP ``<source>`` with a JPEG ``<img>`` fallback; the placeholder while ``image`` is
    pending, failed or missing. Pass ``loading="eager"`` for the first picture on a page.
    """
    unexpected = set(attributes) - {"class"}
    if unexpected:
        raise template.TemplateSyntaxError(f"picture does not take {', '.join(sorted(unexpected))}.")
    if loading not in LOADING_CHOICES:
        raise template.TemplateSyntaxError(f"picture loading must be lazy or eager, not {loading!r}.")
    context = {
        "ready": bool(image) and image.is_ready,
        "sizes": sizes,
        "alt": alt,
        "loading": loading,
        "css_class": attributes.get("class", ""),
        "width": image.display_width if image else None,
        "height": image.display_height if image else None,
    }
    if context["ready"]:
        context |= {
            "webp_srcset": image.srcset("webp"),
            "jpeg_srcset": image.srcset("jpeg"),
            "jpeg_src": image.url(None, "jpeg"),
        }
    else:
        context["placeholder_url"] = static(PLACEHOLDER_PATH)
    return context

