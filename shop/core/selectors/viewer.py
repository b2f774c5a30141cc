"""What the page frame shows about the signed-in person reading it (the cart badge, the
bell's count, the modes they may switch to), read in one query of their account row.

Each app that puts a figure in the frame registers it when it is ready, as an expression
over the user's row (``OuterRef("pk")`` is the user), so core knows none of them::

    viewer_figure_register(name="cart_units", expression=lambda: Coalesce(Subquery(...), 0))

The first figure a page asks for reads them all at once; the rest come from the request.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model

from shop.core.compiled import CompiledQuery

_registered: dict[str, Callable] = {}
# The query, compiled once per set of figures: building and compiling its subqueries costs
# several times what PostgreSQL takes to answer it.
_compiled: dict[tuple, CompiledQuery] = {}


def viewer_figure_register(*, name: str, expression: Callable) -> None:
    """Read ``expression()`` (an annotation of the user's row) with the frame's figures."""
    _registered[name] = expression


def viewer_figures_forget(request) -> None:
    """The request changed what a figure counts (it added to the cart): read them again."""
    request.__dict__.pop("_soko_viewer_figures", None)


def viewer_figure(request, name: str):
    """The figure ``name`` for the request's signed-in user; every registered figure is
    read with the first one asked for, in one query."""
    figures = getattr(request, "_soko_viewer_figures", None)
    if figures is None:
        figures = _figures_read(request.user.pk)
        request._soko_viewer_figures = figures
    return figures[name]


def _figures_read(user_pk: int) -> dict:
    names = tuple(_registered)
    if names not in _compiled:
        model = get_user_model()
        _compiled[names] = CompiledQuery(
            model,
            lambda pk: model.objects.filter(pk=pk).annotate(**{name: _registered[name]() for name in names}).values_list(*names),
        )
    rows = _compiled[names].rows(user_pk)
    return dict(zip(names, rows[0], strict=True)) if rows else {}
