"""Queries built and compiled by the ORM once per process, then run with other values.

For a short query on a hot path (a count for a badge, asked for each recipient of each chat
message), building the queryset and compiling its SQL costs the web process several times
what the database takes to answer it. ``CompiledQuery`` builds it once per database with a
stand-in for each argument, keeps the SQL and its parameters, and puts the real values in
their place on each call; the statement is the same each time, so PostgreSQL also plans it
once (prepared statements, decision 0002)::

    _UNREAD = CompiledQuery(Conversation, lambda user_id: Conversation.objects.filter(buyer_id=user_id).values_list(...))
    total = _UNREAD.value(user.pk)

Each argument must reach the SQL as a parameter of its own, unchanged (an ``exact`` or
``in`` look-up of an id, say; not ``icontains``, which wraps it): a stand-in that does not
come through is an error when the query is first compiled.
"""

from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet

# Stand-ins for the arguments while the SQL is compiled: ids no row has.
_STAND_IN = -7_340_033


class CompiledQuery:
    def __init__(self, model, build: Callable[..., QuerySet]):
        self._model = model
        self._build = build
        self._compiled: dict[str, tuple[str, list, list[list[int]]]] = {}

    def _sql(self, arity: int) -> tuple[str, str, list, list[list[int]]]:
        alias = router.db_for_read(self._model)
        if alias not in self._compiled:
            stand_ins = [_STAND_IN - n for n in range(arity)]
            sql, params = self._build(*stand_ins).query.get_compiler(using=alias).as_sql()
            params = list(params)
            positions = [[at for at, param in enumerate(params) if param == stand_in] for stand_in in stand_ins]
            if not all(positions):
                raise ValueError(f"an argument of {self._build!r} does not reach its SQL as a parameter")
            self._compiled[alias] = (sql, params, positions)
        return (alias, *self._compiled[alias])

    def rows(self, *values) -> list[tuple]:
        alias, sql, params, positions = self._sql(len(values))
        params = list(params)
        for value, places in zip(values, positions, strict=True):
            for at in places:
                params[at] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def value(self, *values):
        """The first column of the first row (None when there is no row)."""
        rows = self.rows(*values)
        return rows[0][0] if rows else None
