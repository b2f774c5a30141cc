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
come through is an error when the query is first compiled. The stand-ins are ids no row
has; the first arguments, where they are of another kind (a session's key, a slug), name
their own in ``stand_ins``.

``rows`` gives the database's rows as they come; ``instances`` and ``first`` give model
instances as the queryset would, with the rows it joins (``select_related``), its
annotations, and each column converted as the ORM converts it. ``prefetched`` hands an
instance the rows of one of its relations read that way, as ``prefetch_related`` would.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Stand-ins for the arguments while the SQL is compiled: ids no row has.
_STAND_IN = -7_340_033


@dataclass(frozen=True)
class _Reader:
    """How a row becomes instances: its converters, the model's columns, the joined rows."""

    model: type
    converters: list
    start: int
    end: int
    names: list[str]
    populators: list
    annotations: list[tuple[str, int]]


@dataclass
class _Compiled:
    sql: str
    params: list
    positions: list[list[int]]
    alias: str
    compiler: object
    _reader: _Reader | None = None

    def reader(self) -> _Reader:
        if self._reader is None:
            compiler = self.compiler
            select, klass_info = compiler.select, compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self._reader = _Reader(
                model=klass_info["model"],
                converters=list(compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()),
                start=start,
                end=end,
                names=[column[0].target.attname for column in select[start:end]],
                populators=get_related_populators(klass_info, select, self.alias),
                annotations=list(compiler.annotation_col_map.items()),
            )
        return self._reader


class CompiledQuery:
    def __init__(self, model, build: Callable[..., QuerySet], stand_ins: tuple = ()):
        self._model = model
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, arity: int) -> _Compiled:
        alias = router.db_for_read(self._model)
        if alias not in self._compiled:
            stand_ins = [*self._stand_ins, *(_STAND_IN - n for n in range(len(self._stand_ins), arity))]
            compiler = self._build(*stand_ins).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            params = list(params)
            positions = [[at for at, param in enumerate(params) if param == stand_in] for stand_in in stand_ins]
            if not all(positions):
                raise ValueError(f"an argument of {self._build!r} does not reach its SQL as a parameter")
            self._compiled[alias] = _Compiled(sql, params, positions, alias, compiler)
        return self._compiled[alias]

    def _execute(self, values) -> tuple[_Compiled, list[tuple]]:
        compiled = self._for(len(values))
        params = list(compiled.params)
        for value, places in zip(values, compiled.positions, strict=True):
            for at in places:
                params[at] = value
        with connections[compiled.alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return compiled, cursor.fetchall()

    def rows(self, *values) -> list[tuple]:
        return self._execute(values)[1]

    def value(self, *values):
        """The first column of the first row (None when there is no row)."""
        rows = self.rows(*values)
        return rows[0][0] if rows else None

    def instances(self, *values) -> list:
        """The rows as model instances, as iterating the queryset gives them: each column
        converted (a date stored as text becomes a date), each joined row on its field."""
        compiled, rows = self._execute(values)
        reader, alias = compiled.reader(), compiled.alias
        connection = connections[alias]
        found = []
        for row in rows:
            if reader.converters:
                row = list(row)
                for at, (functions, expression) in reader.converters:
                    for function in functions:
                        row[at] = function(row[at], expression, connection)
            instance = reader.model.from_db(alias, reader.names, row[reader.start : reader.end])
            for populator in reader.populators:
                populator.populate(row, instance)
            for name, at in reader.annotations:
                setattr(instance, name, row[at])
            found.append(instance)
        return found

    def first(self, *values):
        """The first instance (None when there is none)."""
        found = self.instances(*values)
        return found[0] if found else None


def prefetched(instance, name: str, related: list) -> None:
    """Give ``instance`` the ``related`` rows of its relation ``name`` (a reverse foreign key
    or a many-to-many, named as its accessor), as ``prefetch_related`` would: ``all()`` then
    answers from them without a query, and each row of a reverse foreign key knows
    ``instance`` as its parent."""
    manager = getattr(instance, name)
    field = getattr(manager, "field", None)  # a reverse foreign key's; a many-to-many has none
    if field is not None:
        for row in related:
            field.set_cached_value(row, instance)
    cache_name = field.remote_field.cache_name if field is not None else manager.prefetch_cache_name
    queryset = manager.get_queryset()
    queryset._result_cache = related
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[cache_name] = queryset
