"""Setting up the auth store: the secret file, and the Alembic migrations run by
``svc-admin <ini> init`` and ``svc-admin <ini> migrate``."""
import os
import secrets

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from svc.auth.store import create_store_engine

SCRIPT_LOCATION = "svc.auth:migrations"
# PostgreSQL's advisory lock key for migrations: any constant no other code of ours uses.
MIGRATION_LOCK = 0x5643_0A07


def _config(connection=None):
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def upgrade(engine, revision="head"):
    """Bring the schema to ``revision`` (the newest by default).

    Safe to run from several processes at once (svc-admin migrate, or instances starting with
    create_schema): each waits for the others inside one locked transaction, then finds the
    schema already done.
    """
    with engine.begin() as connection:
        _lock_for_migration(connection)
        command.upgrade(_config(connection), revision)


def _lock_for_migration(connection):
    """Hold the database's migration lock until this transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
    elif connection.dialect.name == "sqlite":
        # The driver would run each CREATE on its own; one exclusive transaction holds them all
        # (a waiting process retries for the busy_timeout that create_store_engine sets).
        connection.exec_driver_sql("BEGIN EXCLUSIVE")


def current_revision(engine):
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision():
    return ScriptDirectory.from_config(_config()).get_current_head()



def upgrade_database(db_url):
    """Bring the database at ``db_url`` to the newest schema; return its revision."""
    engine = create_store_engine(db_url)
    try:
        upgrade(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


def write_secret_file(path):
    """Write a new random secret to ``path``, readable by its owner only, unless the file
    exists; True when it wrote one."""
    if os.path.exists(path):
        return False
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return True


def rotate_secret_file(path):
    """Put a new random secret first in the secret file at ``path``, keeping the others; returns how many it holds."""
    with open(path, encoding="utf-8") as file:
        kept = [line.strip() for line in file if line.strip()]
    if not kept:
        raise OSError(f"{path} holds no secret; svc-admin <ini> init writes one")
    temporary = f"{path}.new"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("".join(f"{secret}\n" for secret in [secrets.token_urlsafe(48), *kept]))
    os.replace(temporary, path)  # every reader sees the old file or the new one, never half of one
    return len(kept) + 1
