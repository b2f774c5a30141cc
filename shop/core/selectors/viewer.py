"""What the page frame shows about the signed-in person reading it (the cart badge, the
bell's count, the modes they may switch to), read in one query of their account row.

Each app that puts a figure in the frame registers it when it is ready, as an expression
over the user's row (``OuterRef("pk")`` is the user), so core knows none of them::

    viewer_figure_register(name="cart_units", expression=lambda: Coalesce(Subquery(...), 0))

The first figure a page asks for reads them all at once; the rest come from the request.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connections, router

_registered: dict[str, Callable] = {}
# The query's SQL, compiled once per database and set of figures: building and compiling
# its subqueries costs several times what PostgreSQL takes to answer it.
_compiled: dict[tuple, tuple[str, list, int]] = {}
_SOME_PK = -7_340_033  # stands for the user's id while the SQL is compiled


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
    model = get_user_model()
    alias = router.db_for_read(model)
    names = tuple(_registered)
    key = (alias, names)
    if key not in _compiled:
        query = model.objects.filter(pk=_SOME_PK).annotate(**{name: _registered[name]() for name in names}).values(*names)
        sql, params = query.query.sql_with_params()
        _compiled[key] = (sql, list(params), list(params).index(_SOME_PK))
    sql, params, position = _compiled[key]
    params = [*params[:position], user_pk, *params[position + 1 :]]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else {}
