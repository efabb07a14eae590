"""Alembic environment: svc passes the connection in, so no alembic.ini is needed."""
from alembic import context

from svc.auth.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
