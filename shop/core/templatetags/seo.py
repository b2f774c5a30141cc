"""``{% seo_links %}``: the page's canonical address and its address in each language.
``{% plaintext as name %}…{% endplaintext %}``: what its content reads as, on one line (the
page's title and description, made once in base.html and used by every tag that names them).
``{% breadcrumbs %}{% crumb name href %}…{% endbreadcrumbs %}``: the trail a visitor sees and
the same trail as schema.org ``BreadcrumbList`` for search engines (``css=`` adds classes to
the list, ``indexed=False`` leaves the data out of a page search engines are not to list).
``{{ data|json_ld }}``: schema.org structured data in a script element."""

from django import template
from django.conf import settings
from django.template.base import token_kwargs
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from shop.core.selectors import seo

register = template.Library()

_TRAIL = "_breadcrumbs_trail"


@register.simple_tag(takes_context=True)
def seo_links(context):
    request = context.get("request")
    if request is None:
        return ""
    alternates = [(code, seo.canonical_url(request, code)) for code in seo.language_codes()]
    alternates.append(("x-default", seo.canonical_url(request, settings.LANGUAGE_CODE)))
    return format_html('<link rel="canonical" href="{}">', seo.canonical_url(request, get_language())) + format_html_join(
        "", '<link rel="alternate" hreflang="{}" href="{}">', alternates
    )


@register.simple_tag(takes_context=True)
def canonical_url(context):
    return seo.canonical_url(context["request"], get_language())


@register.filter
def json_ld(data):
    return seo.json_ld(data) if data else ""


class PlainTextNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        context[self.name] = seo.text_from_html(self.nodelist.render(context))
        return ""


@register.tag
def plaintext(parser, token):
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% plaintext as name %}…{% endplaintext %}.")
    nodelist = parser.parse(("endplaintext",))
    parser.delete_first_token()
    return PlainTextNode(nodelist, bits[2])


class BreadcrumbsNode(template.Node):
    def __init__(self, nodelist, options):
        self.nodelist, self.options = nodelist, options

    def render(self, context):
        options = {"css": "mb-3", "indexed": True, **{name: value.resolve(context) for name, value in self.options.items()}}
        trail = []
        with context.push({_TRAIL: trail}):
            self.nodelist.render(context)
        request = context.get("request")
        absolute = request.build_absolute_uri if request is not None else str
        data = seo.breadcrumb_list([(name, absolute(href) if href else None) for name, href in trail])
        return context.template.engine.get_template("_breadcrumbs.html").render(
            context.new({"trail": trail, "data": data if options["indexed"] else None, "css_class": options["css"]})
        )


@register.tag
def breadcrumbs(parser, token):
    bits = token.split_contents()[1:]
    options = token_kwargs(bits, parser)
    if bits or set(options) - {"css", "indexed"}:
        raise template.TemplateSyntaxError('Use {% breadcrumbs css="…" indexed=… %}, both optional.')
    nodelist = parser.parse(("endbreadcrumbs",))
    parser.delete_first_token()
    return BreadcrumbsNode(nodelist, options)


@register.simple_tag(takes_context=True)
def crumb(context, name, href=""):
    """One step of the enclosing ``{% breadcrumbs %}`` trail; the current page has no ``href``."""
    if _TRAIL not in context:
        raise template.TemplateSyntaxError("{% crumb %} belongs inside {% breadcrumbs %}.")
    context[_TRAIL].append((name, href or None))
    return ""
