"""``{% seo_links %}``: the page's canonical address and its address in each language.
``{{ data|json_ld }}``: schema.org structured data in a script element."""

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from shop.core.selectors import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def seo_links(context):
    request = context.get("request")
    if request is None:
        return ""
    params = seo.canonical_params(request)
    canonical = request.build_absolute_uri(seo.language_url(request.path, get_language(), params))
    alternates = [
        (code, request.build_absolute_uri(seo.language_url(request.path, code, params))) for code in seo.language_codes()
    ]
    alternates.append(("x-default", request.build_absolute_uri(seo.language_url(request.path, settings.LANGUAGE_CODE, params))))
    return format_html('<link rel="canonical" href="{}">', canonical) + format_html_join(
        "", '<link rel="alternate" hreflang="{}" href="{}">', alternates
    )


@register.simple_tag(takes_context=True)
def canonical_url(context):
    request = context["request"]
    return request.build_absolute_uri(seo.language_url(request.path, get_language(), seo.canonical_params(request)))


@register.filter
def json_ld(data):
    return seo.json_ld(data) if data else ""
