"""On PostgreSQL the server binds the parameters, and psycopg prepares a statement the
connection has run five times: PostgreSQL plans it once, not on every run (planning was
most of PostgreSQL's work for the site's short queries; docs/PERFORMANCE.md)."""

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_planned_once_by_postgresql():
    from shop.chat.models import Conversation

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    for pk in range(1, 8):
        list(Conversation.objects.filter(pk=pk))

    planned = [statement for statement in prepared() if 'FROM "chat_conversation"' in statement]
    assert len(planned) == 1 and '"chat_conversation"."id" = $1' in planned[0], prepared()
