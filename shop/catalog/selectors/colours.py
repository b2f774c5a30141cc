"""Colour words in the reader's language. Sellers type a variant's colour freely
(``Variant.attributes["colour"]``), mostly in English; the common words are translated here
for the filters shoppers pick from, and anything else is shown as the seller wrote it."""

from django.utils.translation import pgettext_lazy

COLOURS = {
    "beige": pgettext_lazy("colour", "Beige"),
    "black": pgettext_lazy("colour", "Black"),
    "blue": pgettext_lazy("colour", "Blue"),
    "brown": pgettext_lazy("colour", "Brown"),
    "burgundy": pgettext_lazy("colour", "Burgundy"),
    "cream": pgettext_lazy("colour", "Cream"),
    "gold": pgettext_lazy("colour", "Gold"),
    "green": pgettext_lazy("colour", "Green"),
    "grey": pgettext_lazy("colour", "Grey"),
    "gray": pgettext_lazy("colour", "Grey"),
    "ivory": pgettext_lazy("colour", "Ivory"),
    "khaki": pgettext_lazy("colour", "Khaki"),
    "maroon": pgettext_lazy("colour", "Maroon"),
    "multicolour": pgettext_lazy("colour", "Multicolour"),
    "multicolor": pgettext_lazy("colour", "Multicolour"),
    "natural": pgettext_lazy("colour", "Natural"),
    "navy": pgettext_lazy("colour", "Navy"),
    "nude": pgettext_lazy("colour", "Nude"),
    "orange": pgettext_lazy("colour", "Orange"),
    "pink": pgettext_lazy("colour", "Pink"),
    "plum": pgettext_lazy("colour", "Plum"),
    "purple": pgettext_lazy("colour", "Purple"),
    "red": pgettext_lazy("colour", "Red"),
    "silver": pgettext_lazy("colour", "Silver"),
    "tan": pgettext_lazy("colour", "Tan"),
    "teal": pgettext_lazy("colour", "Teal"),
    "turquoise": pgettext_lazy("colour", "Turquoise"),
    "white": pgettext_lazy("colour", "White"),
    "yellow": pgettext_lazy("colour", "Yellow"),
}


def colour_label(value: str) -> str:
    """``value`` in the reader's language when it is a known colour word, else as written."""
    known = COLOURS.get(value.strip().lower())
    return str(known) if known is not None else value.title()
