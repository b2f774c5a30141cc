"""Sessions in the database, as Django's ``db`` engine keeps them, read with a query
compiled once (shop.core.compiled): every signed-in request reads its session, and
building that query cost the web process more than the database took to answer it.
What is stored, and when, is Django's own."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from shop.core.compiled import CompiledQuery

_BY_KEY = CompiledQuery(Session, lambda key: Session.objects.filter(session_key=key), stand_ins=("stand-in-session-key",))


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        session = _BY_KEY.first(key) if key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
