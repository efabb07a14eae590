"""Changing users, groups, grants, tokens and sessions: what the admin API and svc-admin do.

Every change calls ``changed`` once it is stored, so it takes effect at once
(svc/auth/service.py says how far "at once" reaches).
"""
from svc.auth.names import InvalidName, InvalidValue, check_hash, check_name, check_permission
from svc.auth.password_policy import check_new_password
from svc.auth.passwords import UnsupportedHash, check_importable, parse_htpasswd
from svc.auth.store import StoreError


class Administration:
    def __init__(self, settings, store, passwords, changed):
        self.settings = settings
        self.store = store
        self.passwords = passwords
        self.changed = changed

    # users

    def check_password(self, password, name):
        """``password`` when it passes the policy for ``name``; raises InvalidPassword."""
        return check_new_password(
            password, name, min_length=self.settings.min_password_length, max_bytes=self.passwords.max_bytes
        )

    def add_user(self, name, password=None):
        """A user with ``password``, or with none (tokens only) when it is None; "" is refused."""
        check_name(name)
        hashed = None if password is None else self.passwords.hash(self.check_password(password, name))
        self.store.add_user(name, hashed)
        self.changed()

    def remove_user(self, name):
        self.store.remove_user(name)
        self.changed()

    def set_password(self, name, password):
        """A new password for ``name``; their sessions end."""
        self.store.set_password_hash(name, self.passwords.hash(self.check_password(password, name)))
        self.changed()

    def revoke_sessions(self, name):
        """End every session of ``name``; returns how many there were."""
        count = self.store.revoke_sessions(name)
        self.changed()
        return count

    def import_htpasswd(self, text):
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
        self.changed()
        return report

    # groups

    def add_group(self, name):
        check_name(name, "group")
        self.store.add_group(name)
        self.changed()

    def remove_group(self, name):
        self.store.remove_group(name)
        self.changed()

    def add_member(self, group, user):
        self.store.add_member(group, user)
        self.changed()

    def remove_member(self, group, user):
        self.store.remove_member(group, user)
        self.changed()

    # grants: a subject is a user name, or @group

    def grant(self, subject, permission):
        check_permission(permission)
        self.store.grant(subject, permission)
        self.changed()

    def revoke(self, subject, permission):
        self.store.revoke(subject, permission)
        self.changed()

    # API tokens

    def create_token(self, user, label="", lifetime=None):
        """A new token for ``user``: ``(the token, shown only now; its TokenInfo)``."""
        return self.store.create_token(user, label, lifetime)

    def revoke_token(self, token_id):
        self.store.revoke_token(token_id)
        self.changed()
