"""the audit log: admin actions and security events

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=150), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('subject', sa.String(length=151), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_audit')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('auth_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_audit_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('auth_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_audit_at'))

    op.drop_table('auth_audit')
