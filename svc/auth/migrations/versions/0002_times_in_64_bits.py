"""times in 64 bits: a token may expire after 2038

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMES = {
    "auth_users": {"created_at": False},
    "auth_groups": {"created_at": False},
    "auth_tokens": {"created_at": False, "expires_at": True},
    "auth_sessions": {"created_at": False, "expires_at": False},
}


def _alter(old, new):
    if op.get_context().dialect.name == "sqlite":
        return  # SQLite's INTEGER holds 64 bits already: nothing to copy
    for table, columns in TIMES.items():
        for column, nullable in columns.items():
            op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=nullable)


def upgrade():
    _alter(sa.Integer(), sa.BigInteger())


def downgrade():
    _alter(sa.BigInteger(), sa.Integer())
