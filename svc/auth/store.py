"""The auth store: users, groups, grants, API tokens and sessions in any SQLAlchemy database."""
import hashlib
import os
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import create_engine, delete, event, func, select, union, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DBSession

from svc.auth.models import (
    ApiToken,
    Group,
    GroupGrant,
    Membership,
    Session,
    User,
    UserGrant,
)

from svc.auth.names import (
    ANONYMOUS,
    MAX_ID,
    check_hash,
    check_label,
    check_lifetime,
    check_name,
    check_permission,
)

TOKEN_PREFIX = "svc_"


class StoreError(Exception):
    """A request the store refuses; the message is fit to show."""


class NotFound(StoreError):
    pass


class AlreadyExists(StoreError):
    pass


@dataclass(frozen=True)
class Principal:
    """Who a user is now: name, groups, and every permission granted to them or their groups."""

    user_id: int
    name: str
    groups: frozenset
    permissions: frozenset


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user: str
    label: str
    hint: str
    created_at: int
    expires_at: int | None


def digest(secret):
    """SHA-256 of a high-entropy secret (a token or a session key); a fast hash suffices."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # SQLite ignores ON DELETE CASCADE without it
    cursor.execute("PRAGMA busy_timeout = 10000")  # writers wait for each other instead of failing
    cursor.close()


def create_store_engine(url):
    """An engine for ``url``; a SQLite file's folder is created, so the default works anywhere."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the database driver {exc.name} is not installed (for PostgreSQL: "
            "pip install 'svc[postgresql]' and a postgresql+psycopg:// URL)"
        ) from None


class Store:
    def __init__(self, engine, clock=time.time):
        self.engine = engine
        self.clock = clock

    def now(self):
        return int(self.clock())

    def _session(self):
        return DBSession(self.engine, expire_on_commit=False)

    # users

    def add_user(self, name, password_hash):
        check_name(name)
        check_hash(password_hash)
        with self._session() as db, db.begin():
            db.add(User(name=name, password_hash=password_hash, created_at=self.now()))
            self._flush_unique(db, f"user {name} already exists")

    def remove_user(self, name):
        with self._session() as db, db.begin():
            db.delete(self._user(db, name))

    def set_password_hash(self, name, password_hash, keep_session=None):
        """Set the hash and end the user's sessions, all but the one whose key is ``keep_session``."""
        check_hash(password_hash)
        with self._session() as db, db.begin():
            user = self._user(db, name)
            user.password_hash = password_hash
            ending = delete(Session).where(Session.user_id == user.id)
            if keep_session is not None:
                ending = ending.where(Session.key_hash != digest(keep_session))
            db.execute(ending)

    def replace_password_hash(self, user_id, old_hash, new_hash):
        """Upgrade a hash at sign-in, unless it changed meanwhile."""
        with self._session() as db, db.begin():
            db.execute(
                update(User)
                .where(User.id == user_id, User.password_hash == old_hash)
                .values(password_hash=new_hash)
            )

    def credentials(self, name):
        """``(user id, password hash)`` of ``name``, or None for an unknown user."""
        with self.engine.connect() as conn:
            row = conn.execute(select(User.id, User.password_hash).where(User.name == name)).first()
        return tuple(row) if row else None

    def principal(self, user_id):
        """The user's name, groups and permissions now, or None when the user is gone."""
        with self.engine.connect() as conn:
            name = conn.execute(select(User.name).where(User.id == user_id)).scalar()
            if name is None:
                return None
            groups = conn.execute(
                select(Group.name).join(Membership).where(Membership.user_id == user_id)
            ).scalars()
            groups = frozenset(groups)
            permissions = conn.execute(
                union(
                    select(UserGrant.permission).where(UserGrant.user_id == user_id),
                    select(GroupGrant.permission)
                    .join(Membership, Membership.group_id == GroupGrant.group_id)
                    .where(Membership.user_id == user_id),
                )
            ).scalars()
            return Principal(user_id, name, groups, frozenset(permissions))

    def users(self):
        """Every user as a dict: name, groups, own grants, tokens, sessions, created_at."""
        with self._session() as db:
            users = db.scalars(select(User).order_by(User.name)).all()
            groups = _pairs(db, select(Membership.user_id, Group.name).join(Group))
            grants = _pairs(db, select(UserGrant.user_id, UserGrant.permission))
            tokens = dict(db.execute(select(ApiToken.user_id, func.count()).group_by(ApiToken.user_id)).all())
            sessions = dict(
                db.execute(
                    select(Session.user_id, func.count())
                    .where(Session.expires_at > self.now())
                    .group_by(Session.user_id)
                ).all()
            )
            return [
                {
                    "name": user.name,
                    "groups": sorted(groups.get(user.id, ())),
                    "permissions": sorted(grants.get(user.id, ())),
                    "has_password": user.password_hash is not None,
                    "tokens": tokens.get(user.id, 0),
                    "sessions": sessions.get(user.id, 0),
                    "created_at": user.created_at,
                }
                for user in users
            ]

    def user(self, name):
        for info in self.users():
            if info["name"] == name:
                return info
        raise NotFound(f"no user {name}")

    # groups

    def add_group(self, name):
        with self._session() as db, db.begin():
            db.add(Group(name=name, created_at=self.now()))
            self._flush_unique(db, f"group {name} already exists")

    def remove_group(self, name):
        with self._session() as db, db.begin():
            db.delete(self._group(db, name))

    def add_member(self, group, user):
        def work(db):
            group_id, user_id = self._group(db, group).id, self._user(db, user).id
            if db.get(Membership, (user_id, group_id)) is None:
                db.add(Membership(user_id=user_id, group_id=group_id))

        self._idempotent(work)

    def remove_member(self, group, user):
        with self._session() as db, db.begin():
            membership = db.get(Membership, (self._user(db, user).id, self._group(db, group).id))
            if membership is None:
                raise NotFound(f"{user} is not a member of {group}")
            db.delete(membership)

    def groups(self):
        with self._session() as db:
            groups = db.scalars(select(Group).order_by(Group.name)).all()
            members = _pairs(db, select(Membership.group_id, User.name).join(User))
            grants = _pairs(db, select(GroupGrant.group_id, GroupGrant.permission))
            return [
                {
                    "name": group.name,
                    "members": sorted(members.get(group.id, ())),
                    "permissions": sorted(grants.get(group.id, ())),
                    "created_at": group.created_at,
                }
                for group in groups
            ]

    # grants: a subject is a user name, or @group

    def grant(self, subject, permission):
        check_permission(permission)

        def grant(db):
            if subject == "@" + ANONYMOUS and db.scalar(select(Group).where(Group.name == ANONYMOUS)) is None:
                db.add(Group(name=ANONYMOUS, created_at=self.now()))  # made on the first public grant
                db.flush()
            db.merge(self._grant_row(db, subject, permission))  # granting twice changes nothing

        self._idempotent(grant)

    def revoke(self, subject, permission):
        check_permission(permission)
        with self._session() as db, db.begin():
            row = self._grant_row(db, subject, permission)
            existing = db.get(type(row), (row.subject_id, permission))
            if existing is None:
                raise NotFound(f"{subject} has no grant {permission}")
            db.delete(existing)

    def grants(self):
        with self._session() as db:
            users = db.execute(select(User.name, UserGrant.permission).join(UserGrant)).all()
            groups = db.execute(select(Group.name, GroupGrant.permission).join(GroupGrant)).all()
        rows = [{"subject": n, "permission": p} for n, p in users]
        rows += [{"subject": "@" + n, "permission": p} for n, p in groups]
        return sorted(rows, key=lambda r: (r["subject"], r["permission"]))

    def public_permissions(self):
        """The permissions granted to @anonymous."""
        query = select(GroupGrant.permission).join(Group).where(Group.name == ANONYMOUS)
        with self.engine.connect() as conn:
            return frozenset(conn.execute(query).scalars())

    def _grant_row(self, db, subject, permission):
        if isinstance(subject, str) and subject.startswith("@"):
            return GroupGrant(group_id=self._group(db, subject[1:]).id, permission=permission)
        return UserGrant(user_id=self._user(db, subject).id, permission=permission)

    # API tokens

    def create_token(self, user, label="", lifetime=None):
        """A new token for ``user``: ``(the token, shown only now; its TokenInfo)``."""
        label, lifetime = check_label(label), check_lifetime(lifetime)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.now()
        with self._session() as db, db.begin():
            row = ApiToken(
                user_id=self._user(db, user).id,
                label=label,
                token_hash=digest(token),
                hint=token[: len(TOKEN_PREFIX) + 4],
                created_at=now,
                expires_at=now + int(lifetime) if lifetime else None,
            )
            db.add(row)
            db.flush()
            return token, TokenInfo(row.id, user, row.label, row.hint, row.created_at, row.expires_at)

    def tokens(self, user=None):
        query = select(ApiToken, User.name).join(User).order_by(ApiToken.id)
        if user is not None:
            query = query.where(User.name == check_name(user))
        with self._session() as db:
            return [
                TokenInfo(t.id, name, t.label, t.hint, t.created_at, t.expires_at)
                for t, name in db.execute(query).all()
            ]

    def revoke_token(self, token_id):
        with self._session() as db, db.begin():
            row = db.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
            if row is None:
                raise NotFound(f"no token {token_id}")
            db.delete(row)

    def token_user(self, token):
        """The user id a live token belongs to, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(ApiToken.user_id, ApiToken.expires_at).where(ApiToken.token_hash == digest(token))
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= self.now()):
            return None
        return row.user_id

    # sessions

    def create_session(self, user_id, lifetime):
        """A new session key for ``user_id``, valid ``lifetime`` seconds at most."""
        key = secrets.token_urlsafe(32)
        now = self.now()
        with self._session() as db, db.begin():
            db.execute(delete(Session).where(Session.expires_at <= now))  # keeps the table small
            db.add(Session(key_hash=digest(key), user_id=user_id, created_at=now, expires_at=now + int(lifetime)))
        return key

    def session(self, key):
        """``(user id, expires_at)`` of a live session, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(Session.user_id, Session.expires_at).where(Session.key_hash == digest(key))
            ).first()
        if row is None or row.expires_at <= self.now():
            return None
        return row.user_id, row.expires_at

    def active_sessions(self):
        """How many browser sessions have not expired yet (one indexed count)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Session).where(Session.expires_at > self.now())).scalar()

    def end_session(self, key):
        with self._session() as db, db.begin():
            db.execute(delete(Session).where(Session.key_hash == digest(key)))

    def sessions(self, user):
        """The live sessions of ``user``, oldest first: id (the key's SHA-256), created_at, expires_at."""
        with self._session() as db:
            rows = db.execute(
                select(Session.key_hash, Session.created_at, Session.expires_at)
                .where(Session.user_id == self._user(db, user).id, Session.expires_at > self.now())
                .order_by(Session.created_at, Session.key_hash)
            ).all()
        return [{"id": h, "created_at": c, "expires_at": e} for h, c, e in rows]

    def end_user_session(self, user, session_id):
        """End one session of ``user``, named by its id from sessions()."""
        with self._session() as db, db.begin():
            result = db.execute(
                delete(Session).where(Session.user_id == self._user(db, user).id, Session.key_hash == session_id)
            )
            if not result.rowcount:
                raise NotFound(f"{user} has no session {session_id}")

    def revoke_sessions(self, user):
        """End every session of ``user``; returns how many there were."""
        with self._session() as db, db.begin():
            result = db.execute(delete(Session).where(Session.user_id == self._user(db, user).id))
            return result.rowcount

    # helpers

    def _user(self, db, name):
        check_name(name)  # before the query: a NUL, say, breaks PostgreSQL's driver
        user = db.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"no user {name}")
        return user

    def _group(self, db, name):
        check_name(name, "group")
        group = db.scalar(select(Group).where(Group.name == name))
        if group is None:
            raise NotFound(f"no group {name}")
        return group

    def _idempotent(self, work):
        """Run ``work(db)`` in a transaction; when a parallel identical write won the race to a
        unique key, run it once more, which then finds that row and leaves it."""
        try:
            with self._session() as db, db.begin():
                return work(db)
        except IntegrityError:
            with self._session() as db, db.begin():
                return work(db)

    @staticmethod
    def _flush_unique(db, message):
        try:
            db.flush()
        except IntegrityError:
            raise AlreadyExists(message) from None


def _pairs(db, query):
    grouped = {}
    for key, value in db.execute(query).all():
        grouped.setdefault(key, []).append(value)
    return grouped
