"""The auth store's tables (SQLAlchemy 2). Times are Unix seconds, so any database stores them alike."""
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from svc.auth.names import HASH_LENGTH, NAME_LENGTH, PERMISSION_LENGTH

# Named constraints, so Alembic can alter them on every database (SQLite included).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Unix seconds in 64 bits, so no time overflows in 2038; SQLite's INTEGER holds 64 bits already.
Time = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "auth_users"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, so no cache confuses two users

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[int] = mapped_column(Time)


class Group(Base):
    __tablename__ = "auth_groups"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, so no cache confuses two users

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    created_at: Mapped[int] = mapped_column(Time)


class Membership(Base):
    __tablename__ = "auth_memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserGrant(Base):
    __tablename__ = "auth_user_grants"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(PERMISSION_LENGTH), primary_key=True)

    @property
    def subject_id(self):
        return self.user_id


class GroupGrant(Base):
    __tablename__ = "auth_group_grants"

    group_id: Mapped[int] = mapped_column(ForeignKey("auth_groups.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(PERMISSION_LENGTH), primary_key=True)

    @property
    def subject_id(self):
        return self.group_id


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "auth_tokens"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, so no cache confuses two users

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(NAME_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise a token in a list
    created_at: Mapped[int] = mapped_column(Time)
    expires_at: Mapped[int | None] = mapped_column(Time)


class Session(Base):
    """A signed-in browser; the cookie carries the key, the table its SHA-256."""

    __tablename__ = "auth_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[int] = mapped_column(Time)
    expires_at: Mapped[int] = mapped_column(Time)


class SignInFailure(Base):
    """A failed sign-in, counted in a window by every worker and instance (svc/auth/throttle.py)."""

    __tablename__ = "auth_sign_in_failures"
    __table_args__ = (Index("ix_auth_sign_in_failures_key_at", "key", "at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))  # "name client" or "@network network"
    at: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix milliseconds


class SecretFingerprint(Base):
    """An HMAC of a fixed label under each secret the last instance started with (svc/auth/secrets.py)."""

    __tablename__ = "auth_secret_fingerprints"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    recorded_at: Mapped[int] = mapped_column(BigInteger)


class AuditEntry(Base):
    """One admin action or security event; written once, never changed (svc/auth/audit.py)."""

    __tablename__ = "auth_audit"
    __table_args__ = {"sqlite_autoincrement": True}  # ids only grow: readers page with ``after``

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[int] = mapped_column(BigInteger, index=True)
    event: Mapped[str] = mapped_column(String(PERMISSION_LENGTH))
    actor: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    client: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(NAME_LENGTH + 1))  # a user, or @group
    detail: Mapped[str] = mapped_column(Text)  # a JSON object
