"""``{% viewer_part "name" %}…{% endviewer_part %}``: a part of the page frame that belongs
to its reader (shop.core.page_parts)."""

from django import template

from shop.core.page_parts import ViewerPartNode

register = template.Library()


@register.tag
def viewer_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'":
        raise template.TemplateSyntaxError('{% viewer_part "name" %} takes one quoted name')
    nodelist = parser.parse(("endviewer_part",))
    parser.delete_first_token()
    return ViewerPartNode(bits[1][1:-1], nodelist)
