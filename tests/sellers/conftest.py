"""Fixtures most seller dashboard tests share: a store and its owner, logged in.
A module that needs another store defines its own ``store``."""

import pytest

from tests.factories import StoreFactory


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts")


@pytest.fixture
def seller_client(client, store):
    client.force_login(store.memberships.get().user)
    return client
