"""A query compiled once runs again with other values: every place an argument reaches is
given the value, the ORM builds it once per database, and an argument that does not reach
the SQL as a parameter of its own is refused when the query is first compiled."""

import pytest
from django.db.models import Q

from shop.accounts.models import User
from shop.core.compiled import CompiledQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_argument_is_given_its_value_wherever_it_reaches_the_sql():
    users = [UserFactory(display_name=name) for name in ("Amina", "Baraka", "Chausiku")]
    built = []

    def named(first, second):
        built.append((first, second))
        return User.objects.filter(Q(pk=first) | Q(pk=second)).exclude(pk=second, is_staff=True).order_by("pk").values_list("display_name")

    query = CompiledQuery(User, named)

    assert query.rows(users[0].pk, users[2].pk) == [("Amina",), ("Chausiku",)]
    assert query.rows(users[1].pk, users[1].pk) == [("Baraka",)]
    assert query.value(users[2].pk, -1) == "Chausiku"
    assert query.value(-1, -2) is None
    assert len(built) == 1  # built and compiled once


def test_an_argument_that_does_not_reach_the_sql_unchanged_is_refused():
    query = CompiledQuery(User, lambda name: User.objects.filter(display_name__icontains=name).values_list("pk"))

    with pytest.raises(ValueError, match="does not reach its SQL"):
        query.rows("Amina")
