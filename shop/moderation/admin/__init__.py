"""The trust-and-safety admin: each part registers its own pages in its own module."""

from importlib import import_module
from importlib.util import find_spec

for _name in ("reports", "reviews", "accounts", "complaints", "exports", "queue", "log"):
    if find_spec(f"{__name__}.{_name}") is not None:
        import_module(f"{__name__}.{_name}")
