"""The navbar's modes: Shop for everyone, and one per capability a person has (My store,
Deliveries). The app that grants a capability registers its mode when it is ready, so
core knows none of them::

    mode_register(key="store", label="My store", icon="bi-shop", url_name="sellers:dashboard",
                  position=1, applies=lambda user: user_is_seller(user=user), figure="is_store_member")

``figure`` names a frame figure (shop.core.selectors.viewer) that says the same as
``applies`` and is read with the navbar's other figures in one query when there is a request.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from .viewer import viewer_figure


@dataclass(frozen=True)
class Mode:
    key: str
    label: str
    icon: str
    url: str
    active: bool


@dataclass(frozen=True)
class _Registered:
    key: str
    label: str
    icon: str
    url_name: str
    position: int
    applies: Callable | None
    figure: str


_registered: dict[str, _Registered] = {}


def mode_register(
    *, key: str, label: str, icon: str, url_name: str, position: int, applies: Callable | None = None, figure: str = ""
) -> None:
    """Offer a mode to every user for whom ``applies(user)`` is true (everyone without it)."""
    _registered[key] = _Registered(key, label, icon, url_name, position, applies, figure)


def _applies(entry: _Registered, user, request) -> bool:
    if entry.applies is None:
        return True
    if entry.figure and request is not None and getattr(request, "user", None) == user:
        return bool(viewer_figure(request, entry.figure))
    return entry.applies(user)


def user_modes(*, user, request=None) -> list[Mode]:
    """The modes the navbar offers this user, each marked active when the page is under its
    URL (the longest match wins, so Shop at ``/`` is active only outside the others' pages).
    Cached on the request: one set of queries per page."""
    cached = getattr(request, "_soko_modes", None)
    if cached is not None:
        return cached
    path = request.path if request is not None else ""
    urls = {entry.key: reverse(entry.url_name) for entry in _registered.values()}
    current = max((url for url in urls.values() if path.startswith(url)), key=len, default=None)
    modes = [
        Mode(entry.key, entry.label, entry.icon, urls[entry.key], urls[entry.key] == current)
        for entry in sorted(_registered.values(), key=lambda entry: entry.position)
        if _applies(entry, user, request)
    ]
    if request is not None:
        request._soko_modes = modes
    return modes
