"""Changing users, groups, grants, tokens and sessions: what the admin API, the console and svc-admin do.

Every change calls ``changed`` once it is stored, so it takes effect at once
(svc/auth/service.py says how far "at once" reaches), then goes into the audit log with its
``actor`` (svc/auth/audit.py; None when no one is named, as in tests).
"""
import time

from svc.auth.names import InvalidName, InvalidValue, check_hash, check_name, check_permission
from svc.auth.password_policy import check_new_password
from svc.auth.passwords import UnsupportedHash, check_importable, parse_htpasswd
from svc.auth.store import StoreError


class Administration:
    def __init__(self, settings, store, passwords, changed, audit, throttle, clock=time.time):
        self.settings = settings
        self.store = store
        self.passwords = passwords
        self.changed = changed
        self.audit = audit
        self.throttle = throttle
        self.clock = clock

    def _done(self, event, actor, subject, **detail):
        """A change is stored: make it take effect, then log who made it."""
        self.changed()
        self.audit.record(event, actor, subject, **detail)

    # users

    def check_password(self, password, name):
        """``password`` when it passes the policy for ``name``; raises InvalidPassword."""
        return check_new_password(
            password, name, min_length=self.settings.min_password_length, max_bytes=self.passwords.max_bytes
        )

    def add_user(self, name, password=None, actor=None):
        """A user with ``password``, or with none (tokens only) when it is None; "" is refused."""
        check_name(name)
        hashed = None if password is None else self.passwords.hash(self.check_password(password, name))
        self.store.add_user(name, hashed)
        self._done("add_user", actor, name, password=password is not None)

    def remove_user(self, name, actor=None):
        self.store.remove_user(name)
        self._done("remove_user", actor, name)

    def set_password(self, name, password, actor=None, keep_session=None):
        """A new password for ``name``; their sessions end, all but ``keep_session`` (a session key)."""
        self.store.set_password_hash(name, self.passwords.hash(self.check_password(password, name)), keep_session)
        self._done("set_password", actor, name)

    def revoke_sessions(self, name, actor=None):
        """End every session of ``name``; returns how many there were."""
        count = self.store.revoke_sessions(name)
        self._done("revoke_sessions", actor, name)
        return count

    def end_user_session(self, name, session_id, actor=None):
        """End one session of ``name``, named by its id from ``store.sessions(name)``."""
        self.store.end_user_session(name, session_id)
        self._done("end_user_session", actor, name, session=session_id)

    def locked_clients(self, name):
        """The client addresses from which ``name`` may not sign in now, after too many failures."""
        since = self.clock() - self.throttle.rate.get_expiry()
        entries = self.audit.entries(since=since, event="sign_in_locked", subject=name)
        return sorted(c for c in {e["client"] for e in entries} if c and self.throttle.locked(name, c))

    def unlock(self, name, actor=None):
        """Clear ``name``'s sign-in locks; the per-network count stays (it is about an address)."""
        clients = self.locked_clients(name)
        for client in clients:
            self.throttle.unlock(name, client)
        self.audit.record("unlock", actor, name, clients=clients)
        return clients

    def import_htpasswd(self, text, actor=None):
        """Add or update users from htpasswd ``text``; returns what was imported and what was refused."""
        report = {"added": [], "updated": [], "unchanged": [], "refused": []}
        existing = {u["name"] for u in self.store.users()}
        for line, user, stored_hash in parse_htpasswd(text):
            try:
                check_name(user)
                check_hash(stored_hash)
                check_importable(stored_hash, self.settings.allow_legacy_hashes)
            except (InvalidName, InvalidValue, StoreError, UnsupportedHash) as exc:
                report["refused"].append({"line": line, "user": user, "reason": str(exc)})
                continue
            if user not in existing:
                self.store.add_user(user, stored_hash)
                existing.add(user)
                report["added"].append(user)
            elif self.store.credentials(user)[1] != stored_hash:
                self.store.set_password_hash(user, stored_hash)
                report["updated"].append(user)
            else:
                report["unchanged"].append(user)
        self._done("import_htpasswd", actor, None, **{k: v for k, v in report.items() if k != "unchanged"})
        return report

    # groups

    def add_group(self, name, actor=None):
        check_name(name, "group")
        self.store.add_group(name)
        self._done("add_group", actor, name)

    def remove_group(self, name, actor=None):
        self.store.remove_group(name)
        self._done("remove_group", actor, name)

    def add_member(self, group, user, actor=None):
        self.store.add_member(group, user)
        self._done("add_member", actor, group, user=user)

    def remove_member(self, group, user, actor=None):
        self.store.remove_member(group, user)
        self._done("remove_member", actor, group, user=user)

    # grants: a subject is a user name, or @group

    def grant(self, subject, permission, actor=None):
        check_permission(permission)
        self.store.grant(subject, permission)
        self._done("grant", actor, subject, permission=permission)

    def revoke(self, subject, permission, actor=None):
        self.store.revoke(subject, permission)
        self._done("revoke", actor, subject, permission=permission)

    # API tokens

    def create_token(self, user, label="", lifetime=None, actor=None):
        """A new token for ``user``: ``(the token, shown only now; its TokenInfo)``."""
        token, info = self.store.create_token(user, label, lifetime)
        self.audit.record("create_token", actor, user, token=info.id, label=info.label)
        return token, info

    def revoke_token(self, token_id, actor=None):
        self.store.revoke_token(token_id)
        self._done("revoke_token", actor, token_id)
