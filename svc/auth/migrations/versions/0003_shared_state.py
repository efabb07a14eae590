"""shared state: failed sign-ins for the cross-worker throttle, and secret fingerprints

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sign_in_failures')),
    sqlite_autoincrement=True
    )
    op.create_index('ix_auth_sign_in_failures_key_at', 'auth_sign_in_failures', ['key', 'at'], unique=False)
    op.create_index(op.f('ix_auth_sign_in_failures_at'), 'auth_sign_in_failures', ['at'], unique=False)
    op.create_table('auth_secret_fingerprints',
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('fingerprint', name=op.f('pk_auth_secret_fingerprints'))
    )


def downgrade():
    op.drop_table('auth_secret_fingerprints')
    op.drop_index(op.f('ix_auth_sign_in_failures_at'), table_name='auth_sign_in_failures')
    op.drop_index('ix_auth_sign_in_failures_key_at', table_name='auth_sign_in_failures')
    op.drop_table('auth_sign_in_failures')
