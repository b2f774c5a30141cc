"""Django's SQLite backend, answering a number too big for a 64-bit column as PostgreSQL
does: it matches nothing, instead of raising OverflowError (a 500).

sqlite3 cannot bind a Python int beyond 64 bits, and Django's form fields and admin look
up ids from the request before anything checks their size (``ModelChoiceField``,
``pk__in`` of a list action). Such a parameter is bound as a float (±inf past a float's
range), which SQLite compares with integers by value: ``id = 1e25`` is simply false.
Writes are not affected: model fields refuse such numbers before any INSERT.

Each connection also knows ``soko_flushing()``: true only while Django empties the
database (``manage.py flush``, and test cases that commit, after each test). SQLite has no
TRUNCATE, so a trigger that refuses DELETE (the ledger's, ``shop.payments.ledger.triggers``)
lets the flush's ``DELETE FROM`` through with ``WHEN NOT soko_flushing()``.
"""

from collections.abc import Mapping

from django.db.backends.sqlite3 import base, operations

_LARGEST = 2**63 - 1


def _fit(value):
    if isinstance(value, int) and not isinstance(value, bool) and not -_LARGEST - 1 <= value <= _LARGEST:
        try:
            return float(value)
        except OverflowError:
            return float("inf") if value > 0 else float("-inf")
    return value


def _fit_params(params):
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {name: _fit(value) for name, value in params.items()}
    return [_fit(value) for value in params]


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        return super().execute(query, _fit_params(params))

    def executemany(self, query, param_list):
        return super().executemany(query, (_fit_params(params) for params in param_list))


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        self.connection.flushing = True
        try:
            super().execute_sql_flush(sql_list)
        finally:
            self.connection.flushing = False


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    flushing = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.create_function("soko_flushing", 0, lambda: self.flushing)
        return connection

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
