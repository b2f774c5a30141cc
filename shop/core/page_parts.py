"""The parts of the page frame that belong to the person reading it (the navbar with its
counts and user menu, the footer's seller link, the toasts and the live socket), so that a
page rendered once can be shared by every signed-in shopper.

In ``templates/base.html`` each such part is a ``{% viewer_part "name" %}`` block. Rendered
normally it is just its content. When a page is rendered to be shared
(``page_parts_mark(request)``), each part is wrapped in markers; ``page_parts_fill`` later
replaces every marked part of a shared copy with the part rendered for another request
(its user, session, messages, CSRF token), from base.html's own nodes: no view runs again.
"""

import re

from django import template
from django.template import RequestContext
from django.template.loader import get_template

FRAME_TEMPLATE = "base.html"
PART = re.compile(r"<!--soko:part:([a-z-]+)-->.*?<!--/soko:part:\1-->", re.DOTALL)


class ViewerPartNode(template.Node):
    def __init__(self, name: str, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        html = self.nodelist.render(context)
        if page_parts_marking(context.get("request")):
            return f"<!--soko:part:{self.name}-->{html}<!--/soko:part:{self.name}-->"
        return html


def page_parts_mark(request) -> None:
    """Render this request's page with its viewer's parts marked, to be shared."""
    request._soko_mark_parts = True


def page_parts_marking(request) -> bool:
    return getattr(request, "_soko_mark_parts", False)


def page_parts_unmarked(html: str) -> str:
    """The page as its own viewer sees it: the markers taken out, the parts kept."""
    return re.sub(r"<!--/?soko:part:[a-z-]+-->", "", html)


def _frame_parts() -> tuple:
    frame = get_template(FRAME_TEMPLATE).template
    return frame, {node.name: node for node in frame.nodelist.get_nodes_by_type(ViewerPartNode)}


def page_parts_fill(html: str, request) -> str:
    """``html`` (a shared copy) with each marked part rendered for ``request``, in one
    context: the context processors run once for all the parts."""
    if "<!--soko:part:" not in html:
        return html
    frame, parts = _frame_parts()
    context = RequestContext(request)
    with context.bind_template(frame):
        rendered = {}

        def part(match):
            name = match.group(1)
            if name not in rendered:
                rendered[name] = parts[name].nodelist.render(context)
            return rendered[name]

        return PART.sub(part, html)
