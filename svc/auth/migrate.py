"""Alembic migrations of the auth store, run by ``svc-admin <ini> migrate``."""
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

SCRIPT_LOCATION = "svc.auth:migrations"


def _config(connection=None):
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def upgrade(engine, revision="head"):
    """Bring the schema to ``revision`` (the newest by default)."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def current_revision(engine):
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision():
    return ScriptDirectory.from_config(_config()).get_current_head()

