"""The favourite toggle (a heart) for a product or a store: a form that posts without
JavaScript and swaps itself with htmx. Built in Python rather than a template because a
listing page draws one per card for each viewer (shop.catalog.selectors.cards), after the cards
themselves come from the cache."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from shop.catalog.models import Product
from shop.core.selectors.scripts import isolated


def heart_html(*, target, is_favorite: bool, next_url: str, csrf_token, size: str = "") -> str:
    is_store = not isinstance(target, Product)
    kind = "store" if is_store else "product"
    name = target.name if is_store else target.title
    action = reverse("catalog:favorite_toggle")
    if is_favorite:
        title, label, icon, caption = _("Remove from favorites"), _("Remove %(name)s from favorites"), "bi-heart-fill", _("Saved")
    else:
        title, label, icon, caption = _("Save to favorites"), _("Save %(name)s to favorites"), "bi-heart", _("Save")
    return format_html(
        '<form method="post" action="{action}" class="heart-form{size_class}" hx-post="{action}" hx-target="this" '
        'hx-swap="outerHTML" data-testid="heart-{kind}-{pk}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="{kind}" value="{pk}">'
        '<input type="hidden" name="next" value="{next}">{size_input}'
        '<button type="submit" class="btn heart-btn{favorite_class}" aria-pressed="{pressed}" title="{title}"{label}>'
        '<i class="bi {icon}" aria-hidden="true"></i>{caption}</button></form>',
        action=action,
        size_class=f" heart-{size}" if size else "",
        kind=kind,
        pk=target.pk,
        csrf=str(csrf_token or ""),
        next=next_url,
        size_input=format_html('<input type="hidden" name="size" value="{}">', size) if size else "",
        favorite_class=" is-favorite" if is_favorite else "",
        pressed="true" if is_favorite else "false",
        title=title,
        # A heart that shows a caption is named by it (what a person sees is what they can
        # say to a voice control, WCAG 2.5.3); an icon alone is named by its label.
        label="" if size == "lg" else format_html(' aria-label="{}"', label % {"name": name}),
        icon=icon,
        caption=(
            format_html('<span class="ms-1">{}</span><span class="visually-hidden"> {}</span>', caption, isolated(name))
            if size == "lg"
            else ""
        ),
    )
