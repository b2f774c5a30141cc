"""Tests against a live daphne server (the browser tests' ``soko_live``), without a browser."""

from tests.e2e.conftest import soko_live  # noqa: F401
