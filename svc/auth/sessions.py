"""Signing in and out (the form, or an OpenID provider): a server-side session named by a signed cookie."""
import time

from svc.auth.identification import fails_closed, identity_of
from svc.auth.ticket import Ticket


class Sessions:
    def __init__(self, settings, store, identification, ticket, changed, audit, clock=time.time):
        self.settings = settings
        self.store = store
        self.identification = identification
        self.ticket = ticket
        self.changed = changed  # called after a session ends, so every cache forgets it
        self.audit = audit
        self.clock = clock
        self.unavailable = identification.unavailable

    @fails_closed
    def sign_in(self, request, name, password, client):
        """Verify the password form, then start a session: ``(Identity, headers)``."""
        return self.start(request, self.identification.verify_password(name, password, client), client)

    @fails_closed
    def start(self, request, principal, client=None):
        """End any session the browser came with and start one for ``principal`` (a password or
        the OpenID provider vouched for them): ``(Identity, Set-Cookie headers)``."""
        previous = self.ticket.read(request)
        if previous is not None:
            self.store.end_session(previous.session_key)
            self.changed()
        key = self.store.create_session(principal.user_id, self.settings.lifetime)
        self.audit.record("sign_in", subject=principal.name, client=client)
        headers = self.ticket.issue(request, Ticket(key, int(self.clock())), int(self.settings.lifetime))
        return identity_of(principal, "cookie", key), headers

    @fails_closed
    def sign_out(self, request, identity):
        """End the caller's session; the headers delete the cookie."""
        if identity is not None and identity.session_key:
            self.store.end_session(identity.session_key)
            self.changed()
            self.audit.record("sign_out", subject=identity.name)
        return self.ticket.clear(request)
